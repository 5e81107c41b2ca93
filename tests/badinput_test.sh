# The bad-input matrix (issue 5 item 7): hostile inputs to the tools and
# the module, each row its own test case with the result it must give.
#
# Columns of ROWS:
#	name	the test case
#	store	the store fixture under ./s (store_* below; "none": no store)
#	input	what goes to standard input (in_* below)
#	cmd	what runs (run_cmd below): V apitoken verify, I import,
#		C create, R regenerate, P the module through libpam (auth)
#		asking an apitokend started on the store, PD apitokend on
#		the store, which must refuse to start, and then the module
#		(with no daemon to ask: PAM_AUTHINFO_UNAVAIL),
#		D apitoken-decode, DO apitoken-decode to an output file,
#		G0/GN/GC/GF apitoken-gen with a bad -n/-n/-c/--format
#	exit	the exit status (PD: apitokend's and the driver's)
#	expect	an extended regular expression that standard error must
#		match, or "-" for an empty standard error; for P the PAM
#		result printed by tests/pam_drive; for PD what apitokend
#		says when it refuses to start
#
# After every failed run the store file is byte-identical to before (cmp);
# apitoken writes nothing to standard output when it fails; a decode to a
# file that fails leaves no file.  Rows needing a small tmpfs (full disk, a
# read-only remount) run only as root, as in CI.

ROWS='
verify__empty			good	empty		V	1	no token on standard input
verify__newline_only		good	newline		V	1	no token on standard input
verify__1mib			good	mib		V	1	token longer than 1023 characters
verify__1mib_random		good	mib_random	V	1	token longer than 1023 characters
verify__nul_inside		good	nul		V	1	refused: not a token
verify__invalid_utf8		good	bad_utf8	V	1	standard input: not ASCII text in UTF-16LE
verify__utf8_bom		good	bom		V	0	-
verify__crlf			good	crlf		V	0	-
verify__two_lines		good	two_lines	V	1	more than one line on standard input
verify__overlong_1024		good	len1024		V	1	token longer than 1023 characters
verify__longest_1023		good	len1023		V	1	refused: unknown token
verify__truncated_by_one	good	trunc1		V	1	checksum mismatch
verify__truncated_half		good	trunc_half	V	1	checksum mismatch
verify__wrong_checksum		good	bad_sum		V	1	checksum mismatch
verify__lower_cased		good	lower		V	1	checksum mismatch
verify__doubled			good	doubled		V	1	checksum mismatch
verify__other_prefix		good	other_prefix	V	1	refused: token of another store
verify__sshd_fake_password	good	sshd_fake	V	1	more than one line on standard input
verify__escape_sequence		good	escape		V	1	refused: not a token
verify__spaces_around		good	spaces		V	1	refused: unknown token
import__empty			good	empty		I	1	no token on standard input
import__too_short		good	short		I	1	shorter than 16 characters
import__1mib			good	mib		I	1	token longer than 1023 characters
import__nul_inside		good	imp_nul		I	1	not 16 to 1023 printable ASCII characters
import__invalid_utf8		good	imp_utf8	I	1	standard input: not ASCII text in UTF-16LE
import__sshd_fake_password	good	sshd_fake	I	1	more than one line on standard input
store__random_bytes_verify	random	right		V	1	MDB_INVALID: File is not an LMDB file
store__random_bytes_create	random	none		C	1	MDB_INVALID: File is not an LMDB file
store__zeroed_meta_create	zeroed	none		C	1	MDB_INVALID: File is not an LMDB file
store__truncated_verify		truncated	right	V	1	store file is truncated
store__truncated_create		truncated	none	C	1	store file is truncated
store__empty_file_verify	emptyfile	right	V	1	empty file
store__empty_file_create	emptyfile	none	C	1	empty file
store__newer_schema_verify	schema	right		V	1	store schema 2, this program knows 1
store__newer_schema_create	schema	none		C	1	store schema 2, this program knows 1
store__newer_record_verify	record	right		V	1	written by a newer version
store__newer_record_regenerate	record	none		R	1	written by a newer version
store__full_disk_create		full	none		C	1	No space left on device
store__full_disk_import		full	imported	I	1	No space left on device
store__read_only_create		readonly	none	C	1	Read-only file system|Permission denied
store__read_only_regenerate	readonly	none	R	1	Read-only file system|Permission denied
store__read_only_verify		readonly	right	V	0	-
pam__right_token		good	right		P	0	PAM_SUCCESS
pam__empty_answer		good	newline		P	1	PAM_AUTH_ERR
pam__no_answer			good	empty		P	1	PAM_CONV_ERR
pam__sshd_fake_password		good	sshd_fake	P	1	PAM_AUTH_ERR
pam__nul_inside			good	nul		P	1	PAM_AUTH_ERR
pam__invalid_utf8		good	bad_utf8	P	1	PAM_AUTH_ERR
pam__crlf			good	crlf		P	1	PAM_AUTH_ERR
pam__overlong_1024		good	len1024		P	1	PAM_AUTH_ERR
pam__truncated_by_one		good	trunc1		P	1	PAM_AUTH_ERR
pam__wrong_checksum		good	bad_sum		P	1	PAM_AUTH_ERR
pam__other_prefix		good	other_prefix	P	1	PAM_AUTH_ERR
pam__escape_sequence		good	escape		P	1	PAM_AUTH_ERR
pam__random_bytes_store		random	right		PD	1	MDB_INVALID: File is not an LMDB file
pam__truncated_store		truncated	right	PD	1	store file is truncated
pam__empty_file_store		emptyfile	right	PD	1	empty file
pam__newer_schema_store		schema	right		PD	1	store schema 2, this program knows 1
pam__newer_record_store		record	right		P	1	PAM_AUTHINFO_UNAVAIL
pam__read_only_store		readonly	right	P	0	PAM_SUCCESS
decode__nul_inside		none	dec_nul		D	1	invalid base64 at byte 3
decode__invalid_utf8		none	bad_utf8	D	1	bad text encoding at byte 2
decode__1mib_binary		none	mib_binary	D	1	invalid base64 at byte 0
decode__unterminated_armor	none	armor_open	D	1	input truncated
decode__bad_padding		none	bad_pad		D	1	invalid base64 at byte 1
decode__bad_char_to_file	none	dec_bad		DO	1	invalid base64 at byte 4
gen__zero_bytes			none	none		G0	2	too small: 0
gen__huge_bytes			none	none		GN	2	too large
gen__negative_count		none	none		GC	2	not a number: -1
gen__unknown_format		none	none		GF	2	unknown format: bogus
'

MODULE="$BUILDDIR/pam_apitoken/.libs/pam_apitoken.so"
APITOKEN="$BUILDDIR/tools/apitoken"
DECODE="$BUILDDIR/tools/apitoken-decode"
GEN="$BUILDDIR/tools/apitoken-gen"
DRIVE="$BUILDDIR/tests/pam_drive"
SVC=atkbad

. "$SRCDIR/tests/daemon.subr"
MIB=1048576
TMPFS_SIZE=256k

# --- store fixtures: ./s/tokens.db, alice's token in ./alice.tok ----------

DB="s/tokens.db"

init_good() {
	atf_check -s exit:0 -o ignore -e empty "$APITOKEN" --db "$PWD/$DB" init -q
	atf_check -s exit:0 -o save:alice.tok -e empty "$APITOKEN" \
	    --db "$PWD/$DB" create --name alice-ci --user alice -q
}

store_none() {
	:
}

store_good() {
	mkdir -m 0700 s
	init_good
}

store_random() {
	store_good
	head -c 65536 /dev/urandom > "$DB"
}

# Both LMDB meta pages zeroed.
store_zeroed() {
	store_good
	dd if=/dev/zero of="$DB" bs=4096 count=2 conv=notrunc 2>/dev/null
}

store_truncated() {
	store_good
	head -c 8192 "$DB" > t.db
	cat t.db > "$DB"
}

store_emptyfile() {
	store_good
	: > "$DB"
}

# The schema in "meta" raised to 2, as a newer apitoken would write it.
store_schema() {
	store_good
	mdb_dump -n -s meta "$DB" > meta.dump
	sed 's/^ 00000001$/ 00000002/' meta.dump > meta.new
	cmp -s meta.dump meta.new && atf_fail "no schema entry in the dump"
	mdb_load -n -s meta "$DB" < meta.new 2>/dev/null ||
	    atf_fail "mdb_load failed"
}

# Every record's version byte raised to 2.
store_record() {
	store_good
	mdb_dump -n -s tokens "$DB" | awk '
		/^HEADER=END/ { body = 1; print; next }
		!body || /^DATA=END/ { print; next }
		{ n++; if (n % 2 == 0) $0 = " 02" substr($0, 4); print }
	' > tokens.new
	mdb_load -n -s tokens "$DB" < tokens.new 2>/dev/null ||
	    atf_fail "mdb_load failed"
}

need_root() {
	[ "$(id -u)" = 0 ] || atf_skip "$1 needs root (a tmpfs mount); CI runs as root"
}

# A small tmpfs, full after the store and alice's token.
store_full() {
	need_root "a full disk"
	mkdir -m 0700 s
	mount -t tmpfs -o "size=$TMPFS_SIZE,mode=0700" tmpfs s ||
	    atf_skip "cannot mount a tmpfs here"
	init_good
	dd if=/dev/zero of=s/fill bs=4096 2>/dev/null || true
}

# A store on a file system remounted read-only (root), or a read-only
# file (the permission is what stops others than root).
store_readonly() {
	if [ "$(id -u)" = 0 ]; then
		mkdir -m 0700 s
		mount -t tmpfs -o "size=$TMPFS_SIZE,mode=0700" tmpfs s ||
		    atf_skip "cannot mount a tmpfs here"
		init_good
		mount -o remount,ro s || atf_fail "cannot remount read-only"
	else
		store_good
		chmod 0400 "$DB"
	fi
}

# --- inputs: ./in ---------------------------------------------------------

tok() {
	cat alice.tok
}

in_none() { : > in; }
in_empty() { : > in; }
in_newline() { printf '\n' > in; }
in_right() { cp alice.tok in; }
in_imported() { echo an-imported-token-of-some-length > in; }
in_mib() { head -c $MIB /dev/zero | tr '\0' A > in; }
in_mib_random() { head -c $MIB /dev/urandom > in; }
# Random bytes after a control character: refused at byte 0 whatever the
# random bytes are.
in_mib_binary() { { printf '\001'; head -c $MIB /dev/urandom; } > in; }
in_nul() { t=$(tok); printf '%s\0%s\n' "${t%"${t#????????????????????}"}" \
    "${t#????????????????????}" > in; }
in_bad_utf8() { printf '\377\376\303\050abcdefghijklmnop\n' > in; }
in_bom() { printf '\357\273\277%s\n' "$(tok)" > in; }
in_crlf() { printf '%s\r\n' "$(tok)" > in; }
in_two_lines() { printf '%s\n%s\n' "$(tok)" "$(tok)" > in; }
in_len1024() { head -c 1024 /dev/zero | tr '\0' a > in; }
in_len1023() { head -c 1023 /dev/zero | tr '\0' a > in; }
in_trunc1() { t=$(tok); printf '%s\n' "${t%?}" > in; }
in_trunc_half() { tok | cut -c1-40 > in; }
in_bad_sum() {
	t=$(tok)
	case "$t" in
	*X) printf '%sY\n' "${t%?}" > in ;;
	*) printf '%sX\n' "${t%?}" > in ;;
	esac
}
in_lower() { tok | tr 'A-Z' 'a-z' > in; }
in_doubled() { printf '%s%s\n' "$(tok)" "$(tok)" > in; }
# A good token of a store with prefix "zzz".
in_other_prefix() {
	mkdir -m 0700 o
	atf_check -s exit:0 -o ignore -e empty "$APITOKEN" --db "$PWD/o/t.db" \
	    init -q --prefix zzz
	atf_check -s exit:0 -o save:in -e empty "$APITOKEN" --db "$PWD/o/t.db" \
	    create --name alice-ci --user alice -q
}
# What sshd hands PAM for a user that does not exist.
in_sshd_fake() { printf '\b\n\r\177INCORRECT' > in; }
in_escape() { printf '\033[2J%s\n' "$(tok)" > in; }
in_spaces() { printf ' %s \n' "$(tok)" > in; }
in_short() { echo short > in; }
in_imp_nul() { printf 'abc\0defghijklmnopqrstu\n' > in; }
in_imp_utf8() { printf '\377\376abcdefghijklmnopqrstu\n' > in; }
in_dec_nul() { printf 'aGV\0sbG8=\n' > in; }
in_dec_bad() { printf 'aGVs!G8=\n' > in; }
in_armor_open() { printf -- '-----BEGIN X-----\naGVsbG8=\n' > in; }
in_bad_pad() { printf 'a===\n' > in; }

# --- commands -------------------------------------------------------------

run_cmd() {
	case "$1" in
	V) "$APITOKEN" --db "$PWD/$DB" verify --user alice ;;
	I) "$APITOKEN" --db "$PWD/$DB" import --name imp --user alice ;;
	C) "$APITOKEN" --db "$PWD/$DB" create --name c --user alice -q ;;
	R) "$APITOKEN" --db "$PWD/$DB" regenerate alice-ci -q ;;
	P) env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$PWD/svc" "$DRIVE" "$SVC" alice auth ;;
	D) "$DECODE" - ;;
	DO) "$DECODE" - out.bin ;;
	G0) "$GEN" -n 0 ;;
	GN) "$GEN" -n 99999999999999999999 ;;
	GC) "$GEN" -c -1 ;;
	GF) "$GEN" --format bogus ;;
	*) atf_fail "unknown command $1 in the table" ;;
	esac
}

run_row() {
	local name="$1" row store input cmd code expect rc
	row=$(printf '%s\n' "$ROWS" | awk -v n="$name" '$1 == n')
	[ -n "$row" ] || atf_fail "no row $name"
	# shellcheck disable=SC2086
	set -- $row
	store=$2 input=$3 cmd=$4 code=$5
	shift 5
	expect="$*"
	# pam_wrapper's RTLD_DEEPBIND does not mix with ASan (scripts/dev
	# sanitize); the plain run covers the module's rows.
	[ "${cmd#P}" = "$cmd" ] || [ -z "${APITOKEN_SANITIZED:-}" ] ||
	    atf_skip "pam_wrapper does not mix with ASan"
	umask 077
	chmod 0755 .
	"store_$store"
	"in_$input"
	mkdir -m 0700 svc
	echo "auth required $MODULE socket=$SOCK" > "svc/$SVC"
	[ -f "$DB" ] && cp "$DB" before.db
	case "$cmd" in
	P)
		start_daemon "$PWD/$DB" ;;
	PD)
		[ "$code" = 1 ] || atf_fail "a PD row exits 1"
		daemon_refuses "$PWD/$DB" "$expect"
		cmd=P expect=PAM_AUTHINFO_UNAVAIL ;;
	esac
	rc=0
	run_cmd "$cmd" < in > out 2> err || rc=$?
	echo "exit $rc; stdout:"; head -c 2000 out; echo "stderr:"
	head -c 2000 err
	[ "$rc" = "$code" ] || atf_fail "exit $rc, expected $code"
	case "$cmd" in
	P)
		atf_check -o inline:"auth $expect\n" cat out ;;
	*)
		if [ "$expect" = - ]; then
			atf_check -o empty cat err
		else
			grep -Eq -- "$expect" err ||
			    atf_fail "standard error does not match: $expect"
			# One line (a usage error adds the usage), named
			# after the program.
			[ "${cmd#G}" != "$cmd" ] ||
			    atf_check -o inline:"1\n" -x "grep -c . err"
			atf_check -o match:"^apitoken(-decode|-gen)?: " head -1 err
		fi
		# apitoken-decode streams to standard output as base64 -d
		# does: what came before the error is out already.
		if [ "$rc" != 0 ]; then
			case "$cmd" in
			G*|D) ;;
			*) atf_check -o empty cat out ;;
			esac
		fi
		;;
	esac
	[ "$cmd" = V ] && [ "$rc" = 0 ] && atf_check -o match:accepted cat out
	[ "$cmd" = DO ] && atf_check -s exit:1 test -e out.bin
	if [ "$rc" != 0 ] && [ -f before.db ]; then
		atf_check cmp before.db "$DB"
	fi
	# A store a write failed on still opens and knows alice.
	if [ "$store" = full ] && [ "$rc" != 0 ]; then
		atf_check -o match:accepted -e empty "$APITOKEN" \
		    --db "$PWD/$DB" verify --user alice < alice.tok
	fi
}

# The daemon first: it holds the store on the tmpfs open.
cleanup_row() {
	stop_daemon
	umount s 2>/dev/null || true
}

atf_init_test_cases() {
	local name rest
	while read -r name rest; do
		case "$name" in
		''|'#'*) continue ;;
		esac
		eval "
atf_test_case $name cleanup
${name}_head() {
	atf_set descr \"bad input: $name\"
}
${name}_body() {
	run_row $name
}
${name}_cleanup() {
	cleanup_row
}"
		atf_add_test_case "$name"
	done <<EOF
$ROWS
EOF
}
