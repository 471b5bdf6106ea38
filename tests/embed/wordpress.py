"""A real WordPress for the plugin's tests: Debian's package, served by `php -S`, on MariaDB.

Debian's `wordpress` lives in /usr/share/wordpress, and its wp-config.php reads a config file
from /etc/wordpress. We leave the system alone: the site is a folder of our own whose entries
link to Debian's files, beside our own wp-config.php and wp-content/ (the plugin goes there).
PHP resolves symlinks in __FILE__, so wp-load.php would find Debian's wp-config.php again; an
`auto_prepend_file` that defines ABSPATH as our folder keeps WordPress on ours.

The database is our own, on the MariaDB at $LEADGEN_TEST_MARIADB (default 127.0.0.1:3306, as
root without a password), dropped afterwards; when nothing listens there, a private mariadbd
runs in a temporary folder for the test session.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

WORDPRESS = Path(os.environ.get("LEADGEN_WORDPRESS", "/usr/share/wordpress"))
THEME = "twentytwentythree"
MARIADB = os.environ.get("LEADGEN_TEST_MARIADB", "127.0.0.1:3306")
PHP = shutil.which("php") or "/usr/bin/php"
CLIENT = shutil.which("mariadb") or "/usr/bin/mariadb"


def missing() -> str:
    """What this machine lacks for the WordPress tests, or the empty string."""
    if not shutil.which("php"):
        return "the WordPress tests need php-cli: run `make wordpress`"
    if not (WORDPRESS / "wp-settings.php").is_file():
        return f"the WordPress tests need Debian's wordpress in {WORDPRESS}: run `make wordpress`"
    if not (WORDPRESS / "wp-content" / "themes" / THEME).is_dir():
        return f"the WordPress tests need the theme wordpress-theme-{THEME}: run `make wordpress`"
    if not (WORDPRESS / "wp-content" / "languages" / "nl_NL.mo").is_file():
        return "the WordPress tests need Dutch for WordPress, wordpress-l10n: run `make wordpress`"
    modules = subprocess.run(  # noqa: S603 -- fixed arguments
        [PHP, "-m"], capture_output=True, text=True, check=False
    ).stdout
    if "mysqli" not in modules.split():
        return "the WordPress tests need php-mysql: run `make wordpress`"
    if not (_listening(MARIADB) or shutil.which("mariadbd") or Path("/usr/sbin/mariadbd").exists()):
        return f"the WordPress tests need MariaDB at {MARIADB} or mariadb-server installed"
    return ""


def _listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
        time.sleep(0.1)


class MariaDB:
    """A MariaDB server to make databases on: the running one, or a private one."""

    def __init__(self, folder: Path) -> None:
        self.process: subprocess.Popen | None = None
        self.address = MARIADB
        if not _listening(MARIADB):
            self._start_private(folder)

    def _start_private(self, folder: Path) -> None:
        mariadbd = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        data = folder / "data"
        subprocess.run(  # noqa: S603 -- fixed arguments
            [
                shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db",
                "--no-defaults",
                f"--datadir={data}",
                "--user=root",
                "--skip-test-db",
                "--auth-root-authentication-method=normal",
            ],
            capture_output=True,
            check=True,
        )
        port = free_port()
        self._log = (folder / "mariadbd.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 -- fixed arguments
            [
                mariadbd,
                "--no-defaults",
                f"--datadir={data}",
                "--user=root",
                f"--socket={folder / 'mysqld.sock'}",
                "--bind-address=127.0.0.1",
                f"--port={port}",
                "--skip-log-bin",
                f"--pid-file={folder / 'mysqld.pid'}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self.address = f"127.0.0.1:{port}"
        _wait_for(lambda: _listening(self.address), "the private mariadbd")

    def sql(self, statement: str) -> None:
        host, _, port = self.address.rpartition(":")
        subprocess.run(  # noqa: S603 -- our own statements
            [CLIENT, "-h", host, "-P", port, "-u", "root", "-e", statement],
            capture_output=True,
            check=True,
        )

    def close(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(30)
            self._log.close()


WP_CONFIG = """<?php
// Written by tests/embed/wordpress.py for one test session.
define( 'DB_NAME', {db_name} );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', {db_host} );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
{keys}
$table_prefix = 'wp_';
define( 'WP_HOME', {origin} );
define( 'WP_SITEURL', {origin} );
define( 'WP_CONTENT_DIR', {content} );
define( 'WP_ENVIRONMENT_TYPE', 'local' ); // application passwords over plain http
define( 'DISABLE_WP_CRON', true );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
require_once ABSPATH . 'wp-settings.php';
"""

INSTALL = """
define( 'WP_INSTALLING', true );
require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
wp_install( 'Fysio-blog', 'beheer', 'beheer@example.nl', false, '', '{admin_password}' );
update_option( 'WPLANG', 'nl_NL' );
switch_theme( '{theme}' );
$author = wp_insert_user( array(
    'user_login' => 'auteur', 'user_email' => 'auteur@example.nl', 'role' => 'author',
    'user_pass' => wp_generate_password( 24 ),
) );
list( $password ) = WP_Application_Passwords::create_new_application_password(
    $author, array( 'name' => 'leadgen tests' )
);
echo wp_json_encode( array( 'author' => $author, 'password' => $password ) );
"""


def _php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class Post:
    id: int
    link: str
    raw: str


class WordPress:
    """Debian's WordPress on a fresh database, served on http://localhost:<port>."""

    def __init__(self, folder: Path, mariadb: MariaDB) -> None:
        self.folder = folder
        self.root = folder / "site"
        self.mariadb = mariadb
        self.db_name = f"leadgen_wp_{secrets.token_hex(5)}"
        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        self.plugins = self.root / "wp-content" / "plugins"
        self.server: subprocess.Popen | None = None
        mariadb.sql(f"CREATE DATABASE `{self.db_name}` CHARACTER SET utf8mb4")
        self._lay_out()
        self._serve()
        self.admin_password = secrets.token_hex(12)  # the Administrator, "beheer"
        install = INSTALL.replace("{theme}", THEME).replace("{admin_password}", self.admin_password)
        installed = json.loads(self.php(install, load=False))
        self.author = installed["author"]
        token = base64.b64encode(f"auteur:{installed['password']}".encode()).decode()
        self._author_auth = f"Basic {token}"

    def _lay_out(self) -> None:
        self.root.mkdir()
        for entry in WORDPRESS.iterdir():
            if entry.name not in ("wp-config.php", "wp-content", ".htaccess"):
                (self.root / entry.name).symlink_to(entry)
        (self.root / "wp-content" / "uploads").mkdir(parents=True)
        self.plugins.mkdir()
        for shared in ("themes", "languages"):  # Debian's theme and Dutch language files
            (self.root / "wp-content" / shared).symlink_to(WORDPRESS / "wp-content" / shared)
        keys = "\n".join(
            f"define( '{name}', '{secrets.token_hex(32)}' );"
            for name in (
                "AUTH_KEY",
                "SECURE_AUTH_KEY",
                "LOGGED_IN_KEY",
                "NONCE_KEY",
                "AUTH_SALT",
                "SECURE_AUTH_SALT",
                "LOGGED_IN_SALT",
                "NONCE_SALT",
            )
        )
        (self.root / "wp-config.php").write_text(
            WP_CONFIG.format(
                db_name=_php_string(self.db_name),
                db_host=_php_string(self.mariadb.address),
                keys=keys,
                origin=_php_string(self.origin),
                content=_php_string(str(self.root / "wp-content")),
            )
        )
        self.prepend = self.folder / "prepend.php"
        self.prepend.write_text(f"<?php\ndefine( 'ABSPATH', {_php_string(f'{self.root}/')} );\n")

    def _serve(self) -> None:
        env = os.environ | {"PHP_CLI_SERVER_WORKERS": "4"}
        self._log = (self.folder / "php-server.log").open("wb")
        self.server = subprocess.Popen(  # noqa: S603 -- fixed arguments
            [
                PHP,
                "-S",
                f"127.0.0.1:{self.port}",
                "-t",
                str(self.root),
                "-d",
                f"auto_prepend_file={self.prepend}",
            ],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            start_new_session=True,  # its workers with it: close() stops the whole group
        )
        _wait_for(lambda: _listening(f"127.0.0.1:{self.port}"), "php -S")

    def php(self, code: str, load: bool = True) -> str:
        """Run PHP inside this WordPress (after wp-load.php unless `load` is False)."""
        script = self.folder / "run.php"
        head = "require ABSPATH . 'wp-load.php';\n" if load else ""
        script.write_text(f"<?php\n$_SERVER['HTTP_HOST'] = 'localhost:{self.port}';\n{head}{code}")
        result = subprocess.run(  # noqa: S603 -- our own script
            [PHP, "-d", f"auto_prepend_file={self.prepend}", str(script)],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"PHP failed: {result.stdout}\n{result.stderr}")
        return result.stdout

    def publish_as_author(self, title: str, content: str) -> Post:
        """Publish a post through the REST API as the Author, as the block editor saves it."""
        body = json.dumps({"title": title, "content": content, "status": "publish"}).encode()
        request = urllib.request.Request(  # noqa: S310 -- our own server
            f"{self.origin}/?rest_route=/wp/v2/posts&context=edit",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": self._author_auth},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 -- our server
            made = json.load(response)
        return Post(id=made["id"], link=made["link"], raw=made["content"]["raw"])

    def get(self, url: str) -> str:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 -- our server
            return response.read().decode()

    def close(self) -> None:
        if self.server:
            # With PHP_CLI_SERVER_WORKERS the server forks workers, which outlived a plain
            # terminate() of their parent and kept running after the tests.
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(10)
            self._log.close()
        self.mariadb.sql(f"DROP DATABASE IF EXISTS `{self.db_name}`")
