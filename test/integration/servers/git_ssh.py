"""sshd on a loopback port serving the test git repositories (git over ssh).

sshd runs as the user running the tests and lets only that user in, with an ed25519 key
(libssh2 1.10 signs RSA with SHA-1, which OpenSSH 9.2 refuses). Writes the client key, a
known_hosts file naming the host key, and a second host key for mismatch tests.
"""
import getpass
import os
import socket
import subprocess

SSHD = "/usr/sbin/sshd"


def keygen(path, comment):
    if os.path.exists(path):
        os.remove(path)
        os.remove(path + ".pub")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path],
                   check=True, capture_output=True)
    with open(path + ".pub") as f:
        return " ".join(f.read().split()[:2])


def port_22_free():
    """scp-like URLs (user@host:path) cannot name a port: they are tested only when sshd can
    also listen on 127.0.0.1:22 (as root, with nothing else there)."""
    if os.geteuid() != 0:
        return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as sshd: TIME_WAIT is no owner
        try:
            s.bind(("127.0.0.1", 22))
            return True
        except OSError:
            return False


def prepare(state, port):
    """Write the keys and sshd_config; return (argv, env for the tests)."""
    ssh = os.path.join(state, "ssh")
    os.makedirs(ssh, exist_ok=True)
    os.chmod(ssh, 0o700)
    host_key = os.path.join(ssh, "host_ed25519")
    host_pub = keygen(host_key, "argoimg-test-host")
    other_pub = keygen(os.path.join(ssh, "other_host_ed25519"), "argoimg-test-impostor")
    client_key = os.path.join(ssh, "client_ed25519")
    client_pub = keygen(client_key, "argoimg-test-client")
    authorized = os.path.join(ssh, "authorized_keys")
    with open(authorized, "w") as f:
        f.write(client_pub + "\n")
    known_hosts = os.path.join(ssh, "known_hosts")
    scp = port_22_free()
    with open(known_hosts, "w") as f:
        f.write(f"[127.0.0.1]:{port} {host_pub}\n")
        if scp:
            f.write(f"127.0.0.1 {host_pub}\n")
    wrong_known_hosts = os.path.join(ssh, "known_hosts.wrong")
    with open(wrong_known_hosts, "w") as f:
        f.write(f"[127.0.0.1]:{port} {other_pub}\n")
    user = getpass.getuser()
    config = os.path.join(ssh, "sshd_config")
    with open(config, "w") as f:
        f.write("\n".join([
            f"Port {port}",
            *(["Port 22"] if scp else []),
            "ListenAddress 127.0.0.1",
            f"HostKey {host_key}",
            f"AuthorizedKeysFile {authorized}",
            f"PidFile {os.path.join(ssh, 'sshd.pid')}",
            f"AllowUsers {user}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",  # keys live in a temp dir
            "PrintMotd no",
            "LogLevel VERBOSE",
            "",
        ]))
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation directory
    argv = [SSHD, "-D", "-e", "-f", config]
    env = {
        "ARGOIMG_TEST_GIT_SSH": f"ssh://{user}@127.0.0.1:{port}",
        "ARGOIMG_TEST_SSH_KEY": client_key,
        "ARGOIMG_TEST_SSH_KNOWN_HOSTS": known_hosts,
        "ARGOIMG_TEST_SSH_WRONG_KNOWN_HOSTS": wrong_known_hosts,
        # "" when port 22 is taken: the scp-like test skips, saying why.
        "ARGOIMG_TEST_GIT_SCP": f"{user}@127.0.0.1:" if scp else "",
    }
    return argv, env
