#
# The pam-auth-update profile (pam_apitoken/pam-configs/apitoken) through
# Debian's own pam-auth-update, on a scratch root: never on the machine's
# /etc/pam.d.
#
# pam-auth-update (libpam-runtime 1.5.2 and later) takes --root DIR for its
# three directories (DIR/etc/pam.d, DIR/usr/share/pam-configs,
# DIR/var/lib/pam).  Its choices also go to debconf: DEBCONF_SYSTEMRC points
# debconf at a configuration of our own whose databases are files in the
# work directory, so the machine's debconf database is not touched either.
# As root (where the machine's files could be written) every run is made in
# a private mount namespace where /etc/pam.d, /var/lib/pam and
# /var/cache/debconf are read-only bind mounts of themselves, and each case
# checks that /etc/pam.d is byte-identical afterwards.
#
# The scratch root holds Debian's pam_unix profile from this machine and
# ours: a fresh system (pam-auth-update --force), then our package's
# postinst (--package), then the admin's --enable, --disable, and the
# prerm's --remove.  profile__token_or_password then runs the generated
# common-auth through libpam (pam_wrapper), with pam_userdb in the place of
# pam_unix, which needs the machine's users, and our module asking an
# apitokend of the case's own (tests/daemon.subr), stopped in its cleanup.

PROFILE="$SRCDIR/pam_apitoken/pam-configs/apitoken"
PAM_AUTH_UPDATE=/usr/sbin/pam-auth-update
PAM_CONFIGS=/usr/share/pam-configs
PAM_TEMPLATES=/usr/share/pam
# Made read-only for the runs as root.
GUARDED_DIRS="/etc/pam.d /var/lib/pam /var/cache/debconf"

# The lines pam-auth-update must write for our profile, "end" resolved.
AUTH_LINE='auth	[success=2 default=ignore]	pam_apitoken.so nouserok'
UNIX_AUTH_LINE='auth	[success=1 default=ignore]	pam_unix.so nullok try_first_pass'
ACCOUNT_LINE='account	required	pam_apitoken.so'

require_pam_auth_update()
{
	[ -x "$PAM_AUTH_UPDATE" ] ||
	    atf_skip "$PAM_AUTH_UPDATE not installed (libpam-runtime, Debian only)"
	grep -q "'--root'" "$PAM_AUTH_UPDATE" ||
	    atf_skip "this pam-auth-update has no --root option (libpam-runtime < 1.5.2)"
	[ -f "$PAM_CONFIGS/unix" ] && [ -f "$PAM_TEMPLATES/common-auth" ] ||
	    atf_skip "no Debian pam_unix profile in $PAM_CONFIGS"
	if [ "$(id -u)" -eq 0 ]; then
		command -v unshare >/dev/null ||
		    atf_skip "unshare needed as root (to guard /etc/pam.d)"
		unshare --mount true 2>/dev/null ||
		    atf_skip "cannot make a mount namespace here"
	fi
	[ -f "$PROFILE" ] || atf_fail "$PROFILE missing"
}

# A scratch root R with the unix profile and a private debconf.
prepare_root()
{
	W=$(pwd)
	R="$W/root"
	mkdir -p "$R/etc/pam.d" "$R/usr/share/pam-configs" "$R/var/lib/pam" \
	    "$W/debconf"
	cp "$PAM_CONFIGS/unix" "$R/usr/share/pam-configs/unix"
	cat >"$W/debconf.conf" <<EOF
Config: config
Templates: templates

Name: config
Driver: File
Mode: 600
Filename: $W/debconf/config.dat

Name: templates
Driver: File
Mode: 600
Filename: $W/debconf/templates.dat
EOF
	cat >"$W/pau" <<EOF
#!/bin/sh
# pam-auth-update on the scratch root with the private debconf.
exec env -u DEBIAN_HAS_FRONTEND DEBCONF_SYSTEMRC="$W/debconf.conf" \\
    DEBIAN_FRONTEND=noninteractive HOME="$W" "$PAM_AUTH_UPDATE" --root "$R" "\$@"
EOF
	if [ "$(id -u)" -eq 0 ]; then
		# The same, with the machine's files read-only.
		mv "$W/pau" "$W/pau.inner"
		cat >"$W/pau" <<EOF
#!/bin/sh
exec unshare --mount sh -c 'set -e
for d in $GUARDED_DIRS; do
	[ -d "\$d" ] && mount -o bind,ro "\$d" "\$d"
done
exec "\$0" "\$@"' "$W/pau.inner" "\$@"
EOF
		chmod +x "$W/pau.inner"
	fi
	chmod +x "$W/pau"
	etc_sum >"$W/etc.before"
}

# A digest of every file under /etc/pam.d, names and contents.
etc_sum()
{
	(cd /etc/pam.d && find . -type f | LC_ALL=C sort | xargs -r sha256sum)
}

check_etc_untouched()
{
	etc_sum >"$W/etc.after"
	atf_check -o empty diff "$W/etc.before" "$W/etc.after"
}

# The functional lines of a generated file (comments and blanks dropped).
lines()
{
	grep -v -e '^#' -e '^[[:space:]]*$' "$R/etc/pam.d/common-$1" |
	    sed 's/[[:space:]]*$//'
}

# A fresh system with pam_unix alone, then our profile registered the way
# our postinst does it; saves the baseline in base-auth and base-account.
fresh_then_installed()
{
	atf_check -s exit:0 -o ignore -e ignore ./pau --force
	lines auth >auth
	atf_check -o match:pam_unix.so cat auth
	cp "$R/etc/pam.d/common-auth" base-auth
	cp "$R/etc/pam.d/common-account" base-account
	cp "$PROFILE" "$R/usr/share/pam-configs/apitoken"
	atf_check -s exit:0 -o ignore -e ignore ./pau --package
}

atf_test_case profile__off_by_default
profile__off_by_default_head()
{
	atf_set descr "Installed and registered, the profile adds nothing" \
	    "to common-* (Default: no)"
}
profile__off_by_default_body()
{
	require_pam_auth_update
	prepare_root
	fresh_then_installed
	atf_check -s exit:1 grep pam_apitoken "$R/etc/pam.d/common-auth" \
	    "$R/etc/pam.d/common-account" "$R/etc/pam.d/common-password" \
	    "$R/etc/pam.d/common-session"
	atf_check cmp base-auth "$R/etc/pam.d/common-auth"
	atf_check cmp base-account "$R/etc/pam.d/common-account"
	# It is known though: a later run offers it.
	atf_check -o match:'^apitoken$' cat "$R/var/lib/pam/seen"
	check_etc_untouched
}

atf_test_case profile__enable
profile__enable_head()
{
	atf_set descr "--enable apitoken puts the module first in common-auth," \
	    "jumping past pam_unix on success, and into common-account"
}
profile__enable_body()
{
	require_pam_auth_update
	prepare_root
	fresh_then_installed
	atf_check -s exit:0 -o ignore -e ignore ./pau --enable apitoken
	# First in the primary block, its success jumping over pam_unix
	# and pam_deny to pam_permit; pam_unix takes the typed text next
	# (try_first_pass) when it was not a token.
	lines auth >auth
	atf_check -o inline:"$AUTH_LINE\n$UNIX_AUTH_LINE\n" head -n 2 auth
	atf_check -o match:'^auth	requisite	+pam_deny.so$' sed -n 3p auth
	atf_check -o match:'^auth	required	+pam_permit.so$' sed -n 4p auth
	# Account: after the primary block, "required", where PAM_IGNORE
	# (a login that used no token) counts for nothing.
	lines account >account
	atf_check -o inline:"$ACCOUNT_LINE\n" grep pam_apitoken account
	atf_check -o match:pam_unix.so head -n 1 account
	atf_check -o inline:"$ACCOUNT_LINE\n" tail -n 1 account
	# Nothing in password or session.
	atf_check -s exit:1 grep pam_apitoken "$R/etc/pam.d/common-password" \
	    "$R/etc/pam.d/common-session"
	check_etc_untouched
}

atf_test_case profile__disable
profile__disable_head()
{
	atf_set descr "--disable apitoken takes every line out again"
}
profile__disable_body()
{
	require_pam_auth_update
	prepare_root
	fresh_then_installed
	atf_check -s exit:0 -o ignore -e ignore ./pau --enable apitoken
	atf_check -o ignore grep pam_apitoken "$R/etc/pam.d/common-auth"
	atf_check -s exit:0 -o ignore -e ignore ./pau --disable apitoken
	atf_check cmp base-auth "$R/etc/pam.d/common-auth"
	atf_check cmp base-account "$R/etc/pam.d/common-account"
	# A later postinst run (an upgrade) keeps it off.
	atf_check -s exit:0 -o ignore -e ignore ./pau --package
	atf_check cmp base-auth "$R/etc/pam.d/common-auth"
	check_etc_untouched
}

atf_test_case profile__remove
profile__remove_head()
{
	atf_set descr "The prerm's --package --remove apitoken takes an enabled" \
	    "profile out, and the files stay so once the profile is gone"
}
profile__remove_body()
{
	require_pam_auth_update
	prepare_root
	fresh_then_installed
	atf_check -s exit:0 -o ignore -e ignore ./pau --enable apitoken
	atf_check -o ignore grep pam_apitoken "$R/etc/pam.d/common-auth"
	atf_check -s exit:0 -o ignore -e ignore ./pau --package --remove apitoken
	atf_check cmp base-auth "$R/etc/pam.d/common-auth"
	atf_check cmp base-account "$R/etc/pam.d/common-account"
	rm "$R/usr/share/pam-configs/apitoken"
	atf_check -s exit:0 -o ignore -e ignore ./pau --package
	atf_check cmp base-auth "$R/etc/pam.d/common-auth"
	atf_check cmp base-account "$R/etc/pam.d/common-account"
	check_etc_untouched
}

atf_test_case profile__token_or_password cleanup
profile__token_or_password_head()
{
	atf_set descr "The enabled common-auth, run through libpam with" \
	    "pam_userdb for pam_unix: one prompt, a token or the password;" \
	    "with apitokend down, the password alone"
	atf_set require.progs "pamtester db_load"
}
profile__token_or_password_body()
{
	local module="$BUILDDIR/pam_apitoken/.libs/pam_apitoken.so"
	local apitoken="$BUILDDIR/tools/apitoken"

	require_pam_auth_update
	[ -z "${APITOKEN_SANITIZED:-}" ] ||
	    atf_skip "pam_wrapper's LD_PRELOAD does not mix with ASan"
	[ -f "$module" ] || atf_fail "module not built: $module"
	prepare_root
	fresh_then_installed
	atf_check -s exit:0 -o ignore -e ignore ./pau --enable apitoken

	# alice has a token and a password, bob a password only.
	umask 077
	mkdir db
	atf_check -o ignore -e ignore "$apitoken" --db "$W/db/tokens.db" init
	atf_check -o save:token -e ignore "$apitoken" --db "$W/db/tokens.db" \
	    create --name alice-ci --user alice -q
	. "$SRCDIR/tests/daemon.subr"
	start_daemon "$W/db/tokens.db"
	printf 'alice\nalice-pw\nbob\nbob-pw\n' >users.txt
	atf_check db_load -T -t hash -f users.txt users.db
	# The generated stack as it is, but for two modules: ours from the
	# build tree with the private store, and pam_userdb (which takes
	# try_first_pass as pam_unix does) for pam_unix with the machine's
	# users.
	mkdir svc
	sed -e "s|pam_apitoken.so|$module socket=$SOCK|" \
	    -e "s|pam_unix.so nullok|pam_userdb.so crypt=none db=$W/users|" \
	    "$R/etc/pam.d/common-auth" >svc/login
	echo "auth required pam_deny.so" >svc/other
	atf_check -o match:"^auth.*pam_userdb.so .* try_first_pass\$" cat svc/login
	printf '#!/bin/sh\nexec env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="%s" pamtester login "$1" authenticate\n' \
	    "$W/svc" >pt
	chmod +x pt
	# One answer each time: a second prompt would read end of file.
	atf_check -o ignore -e match:'API token: ' -x "./pt alice <token"
	echo alice-pw >answer
	atf_check -o ignore -e inline:'API token: ' -x "./pt alice <answer"
	echo wrong >answer
	atf_check -s not-exit:0 -o ignore -e ignore -x "./pt alice <answer"
	echo bob-pw >answer
	atf_check -o ignore -e not-match:'API token' -x "./pt bob <answer"
	atf_check -s not-exit:0 -o ignore -e ignore -x "./pt bob <token"
	# apitokend down: the module is skipped (PAM_AUTHINFO_UNAVAIL, which
	# the profile ignores) and the password alone decides, for alice too.
	stop_daemon
	echo alice-pw >answer
	atf_check -o ignore -e not-match:'API token' -x "./pt alice <answer"
	atf_check -s not-exit:0 -o ignore -e ignore -x "./pt alice <token"
	echo bob-pw >answer
	atf_check -o ignore -e not-match:'API token' -x "./pt bob <answer"
	check_etc_untouched
}
profile__token_or_password_cleanup()
{
	. "$SRCDIR/tests/daemon.subr"
	stop_daemon
}

atf_init_test_cases()
{
	atf_add_test_case profile__off_by_default
	atf_add_test_case profile__enable
	atf_add_test_case profile__disable
	atf_add_test_case profile__remove
	atf_add_test_case profile__token_or_password
}
