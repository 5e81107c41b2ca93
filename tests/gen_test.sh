# Tests of apitoken-gen as a whole program, with GNU coreutils as the oracle.

G="$BUILDDIR/tools/apitoken-gen"
# Byte-wise sort, ranges and character classes.
export LC_ALL=C
USAGE='^usage: apitoken-gen \[-c COUNT\]'

# The line lengths of a file, one per line.
line_lengths() {
	awk '{ print length($0) }' "$1"
}

# Add the '=' padding base64url output leaves out, for basenc -d.
pad() {
	awk '{ s = $0; while (length(s) % 4 != 0) s = s "="; print s }'
}

atf_test_case default_shape
default_shape_head() {
	atf_set descr "The default is head -c 16 /dev/urandom | base64"
}
default_shape_body() {
	atf_check -o save:tok "$G"
	atf_check -o match:'^[A-Za-z0-9+/]{22}==$' cat tok
	atf_check -o inline:'1\n' sh -c 'wc -l < tok'
	atf_check -o inline:'25\n' sh -c 'wc -c < tok'
	atf_check -o inline:'16\n' sh -c 'base64 -d tok | wc -c'
	# The same shape as GNU base64 of 16 bytes.
	head -c 16 /dev/urandom | base64 > gnu
	line_lengths tok > ours.len
	line_lengths gnu > gnu.len
	atf_check -o file:gnu.len cat ours.len
}

atf_test_case bytes_sizes
bytes_sizes_head() {
	atf_set descr "-n gives the line structure of GNU base64 for that many bytes"
}
bytes_sizes_body() {
	for n in 1 2 3 4 56 57 58 114 1000 4096 100000; do
		atf_check -o save:ours "$G" -n "$n"
		head -c "$n" /dev/urandom | base64 > gnu
		line_lengths ours > ours.len
		line_lengths gnu > gnu.len
		atf_check -o file:gnu.len cat ours.len
		atf_check -o match:'^[A-Za-z0-9+/=]*$' cat ours
		atf_check -o inline:"$n\n" sh -c 'base64 -d ours | wc -c'
	done
}

atf_test_case bytes_max
bytes_max_head() {
	atf_set descr "-n takes up to 1 MiB per token"
}
bytes_max_body() {
	atf_check -o save:ours "$G" -n 1048576
	atf_check -o inline:'1048576\n' sh -c 'base64 -d ours | wc -c'
	atf_check -o inline:'1048576\n' sh -c \
	    "'$G' -n 1048576 --format raw | wc -c"
}

atf_test_case bytes_rejected
bytes_rejected_head() {
	atf_set descr "-n refuses 0, huge sizes and what is not a number"
}
bytes_rejected_body() {
	atf_check -s exit:2 -e match:'^apitoken-gen: -n: too small: 0' \
	    -e match:"$USAGE" "$G" -n 0
	atf_check -s exit:2 -e match:'^apitoken-gen: -n: too large' \
	    -e match:"$USAGE" "$G" -n 1048577
	atf_check -s exit:2 -e match:'^apitoken-gen: -n: too large' \
	    -e match:"$USAGE" "$G" -n 99999999999999999999999999
	for bad in abc -1 +1 ' 1' 1x 0x10 ''; do
		atf_check -s exit:2 -e match:'^apitoken-gen: -n: not a number' \
		    -e match:"$USAGE" "$G" -n "$bad"
	done
	atf_check -s exit:2 -e match:'^apitoken-gen: option -n needs a value$' \
	    -e match:"$USAGE" "$G" -n
}

atf_test_case count
count_head() {
	atf_set descr "-c writes that many tokens, one per line"
}
count_body() {
	atf_check -o save:out "$G" -c 5
	atf_check -o inline:'5\n' sh -c 'wc -l < out'
	atf_check -o inline:'0\n' sh -c \
	    "grep -cvE '^[A-Za-z0-9+/]{22}==\$' out || true"
	# Each token keeps the GNU shape: 58 bytes take two lines.
	atf_check -o save:out "$G" -c 3 -n 58
	atf_check -o inline:'76\n4\n76\n4\n76\n4\n' sh -c \
	    "awk '{ print length(\$0) }' out"
	atf_check -o save:out "$G" -c 4 --format hex -n 3
	atf_check -o match:'^[0-9a-f]{6}$' cat out
	atf_check -o inline:'4\n' sh -c 'wc -l < out'
	atf_check -s exit:2 -e match:'^apitoken-gen: -c: too small' \
	    -e match:"$USAGE" "$G" -c 0
	atf_check -s exit:2 -e match:'^apitoken-gen: -c: too large' \
	    -e match:"$USAGE" "$G" -c 1000001
	atf_check -s exit:2 -e match:'^apitoken-gen: -c: not a number' \
	    -e match:"$USAGE" "$G" -c five
}

atf_test_case unique
unique_head() {
	atf_set descr "Tokens do not repeat"
}
unique_body() {
	atf_check -o save:out "$G" -c 20000
	atf_check -o inline:'20000\n' sh -c 'sort -u out | wc -l'
	atf_check -o save:out "$G" -c 20000 --password 16 --symbols 2
	atf_check -o inline:'20000\n' sh -c 'sort -u out | wc -l'
}

atf_test_case format_base64
format_base64_head() {
	atf_set descr "--format base64 is the default"
}
format_base64_body() {
	atf_check -o match:'^[A-Za-z0-9+/]{22}==$' "$G" --format base64
	atf_check -o save:out "$G" --format base64 -n 100
	atf_check -o inline:'76\n60\n' sh -c "awk '{ print length(\$0) }' out"
}

atf_test_case format_base64url
format_base64url_head() {
	atf_set descr "--format base64url: URL alphabet, no padding, one line"
	atf_set require.progs basenc
}
format_base64url_body() {
	for n in 1 2 3 16 32 100 1000; do
		atf_check -o save:out "$G" --format base64url -n "$n"
		atf_check -o inline:'1\n' sh -c 'wc -l < out'
		atf_check -o match:'^[A-Za-z0-9_-]+$' cat out
		atf_check -o inline:"$(( (n * 4 + 2) / 3 ))\n" sh -c \
		    "tr -d '\n' < out | wc -c"
		pad < out > padded
		atf_check -o inline:"$n\n" sh -c \
		    'basenc --base64url -d padded | wc -c'
	done
	# 1000 tokens of 48 bytes all but surely hold both '-' and '_'.
	atf_check -o save:many "$G" -c 1000 -n 48 --format base64url
	atf_check -o ignore grep -e - many
	atf_check -o ignore grep _ many
	atf_check -s exit:1 grep -e '[+/=]' many
}

atf_test_case format_hex
format_hex_head() {
	atf_set descr "--format hex: lowercase, one line"
	atf_set require.progs xxd
}
format_hex_body() {
	for n in 1 16 1000 5000; do
		atf_check -o save:out "$G" --format hex -n "$n"
		atf_check -o match:"^[0-9a-f]+\$" cat out
		atf_check -o inline:"$(( n * 2 + 1 ))\n" sh -c 'wc -c < out'
		atf_check -o inline:"$n\n" sh -c 'xxd -r -p out | wc -c'
	done
}

atf_test_case format_base62
format_base62_head() {
	atf_set descr "--format base62: fixed width, capped at 4096 bytes"
}
format_base62_body() {
	atf_check -o match:'^[0-9A-Za-z]{22}$' "$G" --format base62
	atf_check -o match:'^[0-9A-Za-z]{43}$' "$G" --format base62 -n 32
	atf_check -o match:'^[0-9A-Za-z]{2}$' "$G" --format base62 -n 1
	atf_check -o save:out "$G" --format base62 -n 4096
	atf_check -o match:'^[0-9A-Za-z]{5504}$' cat out
	atf_check -s exit:2 -e match:'base62 is limited to 4096 bytes' \
	    -e match:"$USAGE" "$G" --format base62 -n 4097
}

atf_test_case format_raw
format_raw_head() {
	atf_set descr "--format raw: the bytes, nothing else"
}
format_raw_body() {
	atf_check -o save:out "$G" --format raw
	atf_check -o inline:'16\n' sh -c 'wc -c < out'
	atf_check -o save:out "$G" --format raw -n 100 -c 3
	atf_check -o inline:'300\n' sh -c 'wc -c < out'
	atf_check -o save:out "$G" --format raw -n 100000
	atf_check -o inline:'100000\n' sh -c 'wc -c < out'
}

atf_test_case format_raw_terminal
format_raw_terminal_head() {
	atf_set descr "--format raw refuses to write to a terminal"
	atf_set require.progs script
}
format_raw_terminal_body() {
	# script(1) runs the command with a terminal as its output.
	atf_check -s exit:1 -o match:'refusing to write raw bytes to a terminal' \
	    script -qec "'$G' --format raw" /dev/null
	atf_check -s exit:0 -o match:'^[A-Za-z0-9+/]{22}==' \
	    script -qec "'$G'" /dev/null
}

atf_test_case format_unknown
format_unknown_head() {
	atf_set descr "An unknown --format is a usage error"
}
format_unknown_body() {
	for f in foo BASE64 base32 ''; do
		atf_check -s exit:2 -e match:'^apitoken-gen: --format: unknown' \
		    -e match:"$USAGE" "$G" --format "$f"
	done
}

atf_test_case certutil
certutil_head() {
	atf_set descr "--certutil writes what certutil -encode writes"
}
certutil_body() {
	# n -> bytes written, as observed from the real certutil -encode,
	# then sizes around a line end by its formula.
	pairs='7:70 13:78 272:432 468:700 740:1076 1380:1954 2150:3014 27648:38072'
	for n in 1 2 3 46 47 48 49 50 96; do
		b=$(( (n + 2) / 3 * 4 ))
		pairs="$pairs $n:$(( 29 + b + 2 * ((b + 63) / 64) + 27 ))"
	done
	for pair in $pairs; do
		n=${pair%%:*}
		want=${pair#*:}
		atf_check -o save:out "$G" --certutil -n "$n"
		atf_check -o inline:"$want\n" sh -c 'wc -c < out'
		atf_check -o inline:'-----BEGIN CERTIFICATE-----\r\n' \
		    sh -c 'head -n 1 out'
		atf_check -o inline:'-----END CERTIFICATE-----\r\n' \
		    sh -c 'tail -n 1 out'
		# Every line ends in CR LF, body lines are 64 characters
		# but the last.
		atf_check -o inline:'0\n' sh -c \
		    "grep -cv \"\$(printf '\r')\$\" out || true"
		tr -d '\r' < out | sed '1d;$d' > body
		atf_check -o inline:'0\n' sh -c \
		    "sed '\$d' body | grep -cvE '^.{64}\$' || true"
		atf_check -o inline:"$n\n" sh -c 'base64 -d body | wc -c'
	done
	atf_check -o match:'^[A-Za-z0-9+/]{22}==.$' "$G" --certutil
	atf_check -o save:out "$G" --certutil --format base64 -c 3
	atf_check -o inline:'3\n' sh -c 'grep -c "^-----BEGIN CERTIFICATE-----" out'
	atf_check -o inline:'3\n' sh -c 'grep -c "^-----END CERTIFICATE-----" out'
	atf_check -o inline:'9\n' sh -c 'wc -l < out'
	for f in base64url hex base62 raw; do
		atf_check -s exit:2 -e match:'^apitoken-gen: --certutil writes base64 only' \
		    -e match:"$USAGE" "$G" --certutil --format "$f"
	done
}

# A password of length $1 with at least $2 punctuation characters?
check_passwords() {
	atf_check -o inline:'0\n' sh -c \
	    "grep -cvE '^[]0-9A-Za-z!@#\$%^&*()_+=[{};:>|./?-]{$1}\$' \
	    out || true"
	atf_check -o inline:'0\n' sh -c "grep -cF '&#' out || true"
	atf_check -o inline:'0\n' sh -c \
	    "tr -d '0-9A-Za-z' < out | awk 'length(\$0) < $2' | wc -l"
}

atf_test_case password
password_head() {
	atf_set descr "--password LENGTH --symbols N: the GeneratePassword recipe"
}
password_body() {
	atf_check -o save:out "$G" --password 16 --symbols 2 -c 2000
	atf_check -o inline:'2000\n' sh -c 'wc -l < out'
	check_passwords 16 2
	atf_check -o save:out "$G" --password 16 -c 200
	check_passwords 16 0
	atf_check -o save:out "$G" --password 1 -c 200
	check_passwords 1 0
	atf_check -o save:out "$G" --password 1 --symbols 1 -c 200
	check_passwords 1 1
	atf_check -o save:out "$G" --password 128 --symbols 128 -c 200
	check_passwords 128 128
	atf_check -o save:out "$G" --password 128 --symbols 0 -c 200
	check_passwords 128 0
	# Every one of the 87 characters shows up in 2000 passwords.
	atf_check -o save:out "$G" --password 128 -c 2000
	atf_check -o inline:'87\n' sh -c \
	    "fold -w 1 out | sort -u | grep -c ."
}

atf_test_case password_utf16le
password_utf16le_head() {
	atf_set descr "--utf16le: base64 of the password in UTF-16LE"
	atf_set require.progs iconv
}
password_utf16le_body() {
	atf_check -o save:tok "$G" --password 16 --symbols 2 --utf16le
	atf_check -o match:'^[A-Za-z0-9+/]{43}=$' cat tok
	atf_check -o inline:'32\n' sh -c 'base64 -d tok | wc -c'
	base64 -d tok > u16
	# Every second byte is 0: the text is ASCII in UTF-16LE, no BOM.
	atf_check -o inline:'16\n' sh -c \
	    "od -An -v -tx1 u16 | tr ' ' '\n' | grep -c '^00\$'"
	atf_check -o save:out iconv -f UTF-16LE -t UTF-8 u16
	echo >> out
	check_passwords 16 2
	atf_check -o save:many "$G" --password 128 --symbols 5 --utf16le -c 50
	atf_check -o inline:'50\n' sh -c 'wc -l < many'
	atf_check -o match:'^[A-Za-z0-9+/]{342}==$' cat many
	head -n 1 many | base64 -d | iconv -f UTF-16LE -t UTF-8 > out
	echo >> out
	check_passwords 128 5
}

atf_test_case password_errors
password_errors_head() {
	atf_set descr "--password and --symbols refuse what .NET refuses"
}
password_errors_body() {
	atf_check -s exit:2 -e match:'^apitoken-gen: --password: too small' \
	    -e match:"$USAGE" "$G" --password 0
	atf_check -s exit:2 -e match:'^apitoken-gen: --password: too large' \
	    -e match:"$USAGE" "$G" --password 129
	atf_check -s exit:2 -e match:'^apitoken-gen: --password: not a number' \
	    -e match:"$USAGE" "$G" --password x
	atf_check -s exit:2 -e match:'^apitoken-gen: symbols > length' \
	    -e match:"$USAGE" "$G" --password 16 --symbols 17
	atf_check -s exit:2 -e match:'^apitoken-gen: --symbols: too large' \
	    -e match:"$USAGE" "$G" --password 16 --symbols 129
	atf_check -s exit:2 -e match:'^apitoken-gen: --symbols: not a number' \
	    -e match:"$USAGE" "$G" --password 16 --symbols -1
	atf_check -s exit:2 -e match:'^apitoken-gen: --symbols needs --password' \
	    -e match:"$USAGE" "$G" --symbols 2
	atf_check -s exit:2 -e match:'^apitoken-gen: --utf16le needs --password' \
	    -e match:"$USAGE" "$G" --utf16le
	for o in '-n 16' '--format hex' '--format base64' --certutil; do
		atf_check -s exit:2 \
		    -e match:'^apitoken-gen: --password cannot be used with' \
		    -e match:"$USAGE" "$G" --password 16 $o
	done
	atf_check -o match:'^.{16}$' "$G" --password 16 --symbols 16
}

atf_test_case usage_errors
usage_errors_head() {
	atf_set descr "Unknown options and operands are usage errors"
}
usage_errors_body() {
	atf_check -s exit:2 -e match:"^apitoken-gen: unknown option --foo$" \
	    -e match:"$USAGE" "$G" --foo
	atf_check -s exit:2 -e match:'^apitoken-gen: unknown option -x$' \
	    -e match:"$USAGE" "$G" -x
	atf_check -s exit:2 -e match:"^apitoken-gen: option --certutil takes no value$" \
	    -e match:"$USAGE" "$G" --certutil=yes
	atf_check -s exit:2 -e not-match:yes -e match:"$USAGE" "$G" --certutil=yes
	atf_check -s exit:2 -e match:'^apitoken-gen: unexpected argument: extra' \
	    -e match:"$USAGE" "$G" extra
	atf_check -s exit:2 -e match:'^apitoken-gen: unexpected argument: extra' \
	    -e match:"$USAGE" "$G" -n 3 extra
}

atf_test_case help_version
help_version_head() {
	atf_set descr "-h, --help and --version write to stdout"
}
help_version_body() {
	atf_check -o match:"$USAGE" -o match:'--password LENGTH' "$G" -h
	atf_check -o match:"$USAGE" "$G" --help
	atf_check -o match:'^apitoken-gen \(pam_apitoken\) [0-9]' "$G" --version
}

atf_test_case write_errors
write_errors_head() {
	atf_set descr "A failed write is an error, exit 1"
	atf_set require.files /dev/full
}
write_errors_body() {
	atf_check -s exit:1 -e inline:'apitoken-gen: stdout: No space left on device\n' \
	    -x "'$G' > /dev/full"
	atf_check -s exit:1 -e match:'^apitoken-gen: stdout: No space left' \
	    -x "'$G' -n 1000000 -c 3 > /dev/full"
	atf_check -s exit:1 -e match:'^apitoken-gen: stdout: No space left' \
	    -x "'$G' --password 16 --utf16le > /dev/full"
	# With SIGPIPE ignored, a closed pipe is an EPIPE error, exit 1.
	atf_check -o empty -x \
	    "( trap '' PIPE; '$G' -n 100000 -c 100 2>err; echo \$? > rc ) |
	    head -c 1 > /dev/null"
	atf_check -o inline:'1\n' cat rc
	atf_check -o match:'^apitoken-gen: stdout: Broken pipe$' cat err
	# A closed standard output.
	atf_check -s exit:1 -e match:'^apitoken-gen: stdout: Bad file descriptor' \
	    -x "'$G' >&-"
}

atf_test_case libraries
libraries_head() {
	atf_set descr "apitoken-gen loads no libcrypto, libsodium, LMDB, libbsd or jansson"
	atf_set require.progs ldd
}
libraries_body() {
	atf_check -o save:libs ldd "$G"
	atf_check -o match:'libc\.so' cat libs
	atf_check -s exit:1 grep -E 'libcrypto|libsodium|liblmdb|libbsd|libjansson' libs
}

atf_init_test_cases() {
	atf_add_test_case default_shape
	atf_add_test_case bytes_sizes
	atf_add_test_case bytes_max
	atf_add_test_case bytes_rejected
	atf_add_test_case count
	atf_add_test_case unique
	atf_add_test_case format_base64
	atf_add_test_case format_base64url
	atf_add_test_case format_hex
	atf_add_test_case format_base62
	atf_add_test_case format_raw
	atf_add_test_case format_raw_terminal
	atf_add_test_case format_unknown
	atf_add_test_case certutil
	atf_add_test_case password
	atf_add_test_case password_utf16le
	atf_add_test_case password_errors
	atf_add_test_case usage_errors
	atf_add_test_case help_version
	atf_add_test_case write_errors
	atf_add_test_case libraries
}
