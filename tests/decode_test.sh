# Tests of apitoken-decode(1).  BUILDDIR and SRCDIR are set above.

DECODE="$BUILDDIR/tools/apitoken-decode"
DATA="$SRCDIR/tests/data"

# Some random bytes: rnd SIZE FILE.
rnd()
{
	head -c "$1" /dev/urandom >"$2"
}

# A random number below $1.
below()
{
	echo $(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % $1 ))
}

atf_test_case known_answers
known_answers_head()
{
	atf_set "descr" "Known answers: certutil, the Keptn token and Secret"
}
known_answers_body()
{
	atf_check -o file:"$DATA/certutil-encode-13.bin" \
	    "$DECODE" "$DATA/certutil-encode-13.txt"
	atf_check -o file:"$DATA/certutil-encode-13.txt" \
	    "$DECODE" -e --certutil "$DATA/certutil-encode-13.bin"
	printf 'AAECAwQFBgcICQoLDA0ODw==\n' >token.txt
	printf '\000\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017' \
	    >token.bin
	atf_check -o file:token.bin "$DECODE" token.txt
	atf_check -o file:token.txt "$DECODE" -e token.bin
	atf_check -o inline:'AAECAwQFBgcICQoLDA0ODw==' \
	    "$DECODE" --secret-key keptn-api-token "$DATA/keptn-secret.json"
	atf_check -o inline:'AAECAwQFBgcICQoLDA0ODw==' -x \
	    "cat '$DATA/keptn-secret.json' | '$DECODE' --secret-key keptn-api-token -"
	# What GNU base64 -d does with these, and more.
	atf_check -o inline:'aa' -x "printf 'YQ==YQ==' | '$DECODE'"
	atf_check -o inline:'a' -x "printf 'YR==' | '$DECODE'"
	atf_check -o inline:'aaa' -x "printf 'YWFh' | '$DECODE'"
	atf_check -o inline:'hello' -x "printf 'aGVs bG8=' | '$DECODE'"
	atf_check -o inline:'hello AllTool' \
	    -x "printf 'aGVsbG8gQWxsVG9vbA' | '$DECODE'"
	atf_check -o inline:'hello AllTool' \
	    -x "printf 'aGVsbG8gQWxsVG9vbA==\r\n' | '$DECODE'"
	# base64url, found or forced.
	printf '\153\357\333' >url.bin
	atf_check -o file:url.bin -x "printf 'a-_b' | '$DECODE'"
	atf_check -o file:url.bin -x "printf 'a-_b' | '$DECODE' --url"
	atf_check -o inline:'a-_b' "$DECODE" -e --url -w 0 url.bin
}

atf_test_case text_encodings
text_encodings_head()
{
	atf_set "descr" "UTF-8 and UTF-16LE marks, CR LF, no final line end"
}
text_encodings_body()
{
	atf_check -o file:"$DATA/powershell-utf16.bin" \
	    "$DECODE" "$DATA/powershell-utf16.txt"
	printf '\357\273\277YWFh\r\nYmJi\r\n' >bom8.txt
	atf_check -o inline:'aaabbb' "$DECODE" bom8.txt
	printf -- '-----BEGIN X-----\r\nYWFh\r\n-----END Y-----' >armor.txt
	atf_check -o inline:'aaa' "$DECODE" armor.txt
	# The PowerShell recipe: UTF-16LE bytes of a password, then base64.
	atf_check -o inline:'k7#Qp!2x[Zr9@mWe\n' \
	    "$DECODE" --text "$DATA/powershell-password.txt"
	atf_check -s exit:1 -o ignore -e match:'not UTF-16LE text .byte 2.$' \
	    -x "printf 'YWFh' | '$DECODE' --text"
	atf_check -s exit:1 -e match:'not UTF-16LE text .byte 0.$' \
	    -x "printf 'AAA=' | '$DECODE' --text"
	atf_check -s exit:1 -e match:'not UTF-16LE text .byte 0.$' \
	    -x "printf 'ANw=' | '$DECODE' --text"
}

atf_test_case round_trips
round_trips_head()
{
	atf_set "descr" "Random sizes 0..5000 in every mode, GNU base64 as oracle"
}
round_trips_body()
{
	sizes="0 1 2 3 4 5 47 48 49 56 57 58 113 114 115 4999 5000"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		sizes="$sizes $(below 5001)"
	done
	for n in $sizes; do
		rnd "$n" in
		# GNU default, and wrapping widths.
		base64 in >gnu || atf_fail "base64 failed"
		"$DECODE" -e in >ours || atf_fail "encode of $n bytes failed"
		cmp -s gnu ours || atf_fail "encode of $n bytes differs from GNU"
		"$DECODE" gnu >back || atf_fail "decode of GNU's $n bytes failed"
		cmp -s in back || atf_fail "decode of GNU's $n bytes is wrong"
		w=$(below 100)
		for cols in 0 1 5 64 $w; do
			base64 -w "$cols" in >gnu
			"$DECODE" -e -w "$cols" in >ours ||
			    atf_fail "encode -w $cols of $n bytes failed"
			cmp -s gnu ours ||
			    atf_fail "-w $cols of $n bytes differs from GNU"
			"$DECODE" ours >back && cmp -s in back ||
			    atf_fail "-w $cols of $n bytes did not come back"
		done
		# certutil: the length formula, and back.
		"$DECODE" -e -f --certutil in cert || atf_fail "certutil encode"
		b=$(( (n + 2) / 3 * 4 ))
		want=$(( 29 + b + 2 * ((b + 63) / 64) + 27 ))
		[ "$(wc -c <cert)" -eq "$want" ] ||
		    atf_fail "certutil output of $n bytes is not $want bytes"
		"$DECODE" cert >back && cmp -s in back ||
		    atf_fail "certutil $n bytes did not come back"
		# base64url without padding, by detection and forced.
		basenc --base64url -w 0 in | tr -d = >gnu
		"$DECODE" -e --url -w 0 in >ours
		cmp -s gnu ours || atf_fail "--url of $n bytes differs"
		"$DECODE" ours >back && cmp -s in back ||
		    atf_fail "url $n bytes did not come back"
		"$DECODE" --url ours >back && cmp -s in back ||
		    atf_fail "--url $n bytes did not come back"
		# OpenSSL's output (64 columns) decodes too.
		openssl base64 -in in >ossl
		"$DECODE" ossl >back && cmp -s in back ||
		    atf_fail "openssl's $n bytes did not come back"
	done
}

atf_test_case output_files
output_files_head()
{
	atf_set "descr" "OUTFILE: refuse to overwrite without -f, never partial"
}
output_files_body()
{
	printf 'YWFh\n' >in.txt
	atf_check "$DECODE" in.txt out
	atf_check -o inline:'aaa' cat out
	echo old >out
	atf_check -s exit:1 -e match:'out: output file exists' \
	    "$DECODE" in.txt out
	atf_check -o inline:'old\n' cat out
	atf_check "$DECODE" -f in.txt out
	atf_check -o inline:'aaa' cat out
	# "-" is stdout, and -e writes files too.
	atf_check -o inline:'aaa' "$DECODE" in.txt -
	atf_check "$DECODE" -e out enc
	atf_check -o inline:'YWFh\n' cat enc
	# An error leaves neither the output nor a temporary file.
	mkdir d
	printf 'YWFhYWFh\nYW*h\n' >bad.txt
	atf_check -s exit:1 -e inline:"apitoken-decode: bad.txt: invalid base64 at byte 11\n" \
	    "$DECODE" bad.txt d/out
	atf_check -o empty ls -A d
	echo old >d/out
	atf_check -s exit:1 -e ignore "$DECODE" -f bad.txt d/out
	atf_check -o inline:'old\n' cat d/out
	atf_check -o inline:'out\n' ls -A d
	# A file that is not UTF-16LE text with --text leaves nothing.
	atf_check -s exit:1 -e ignore "$DECODE" --text in.txt d/text
	atf_check -o inline:'out\n' ls -A d
}

atf_test_case signal
signal_head()
{
	atf_set "descr" "Killed while writing OUTFILE, by any signal that ends" \
	    "a process (SIGKILL too): no file is left behind"
}
signal_body()
{
	local sig pid rc i
	mkfifo fifo
	for sig in TERM HUP INT QUIT USR1 USR2 ALRM VTALRM PROF XCPU XFSZ \
	    IO PWR KILL; do
		"$DECODE" fifo d.out 2>err &
		pid=$!
		exec 3>fifo
		printf 'YWFh\n' >&3
		# Wait for the output to be open (named or not), then the signal.
		i=0
		while ! ls -l "/proc/$pid/fd" 2>/dev/null |
		    grep -q -e "$PWD/\.d\.out\." -e "$PWD/#"; do
			i=$((i + 1))
			[ $i -lt 100 ] || atf_fail "SIG$sig: no output file open"
			sleep 0.05
		done
		kill -"$sig" $pid
		rc=0
		wait $pid || rc=$?
		exec 3>&-
		[ $rc -gt 128 ] || atf_fail "SIG$sig: exit status $rc"
		ls -A >files
		atf_check -s exit:1 grep 'd\.out' files
		atf_check -o empty cat err
	done
}

atf_test_case errors
errors_head()
{
	atf_set "descr" "Every error path: offsets, files, options, JSON"
}
errors_body()
{
	atf_check -s exit:1 -e inline:"apitoken-decode: stdin: invalid base64 at byte 3\n" \
	    -x "printf 'YWF*' | '$DECODE'"
	# Like GNU base64 -d, what came before the error is written.
	atf_check -s exit:1 -o inline:'aaa' \
	    -e inline:"apitoken-decode: stdin: input truncated at byte 4\n" \
	    -x "printf 'YWFhY' | '$DECODE'"
	atf_check -s exit:1 -o ignore -e match:'input truncated at byte 23$' \
	    -x "printf -- '-----BEGIN X-----\nYWFh\n' | '$DECODE'"
	atf_check -s exit:1 -e match:'bad BEGIN/END armor at byte 0$' \
	    -x "printf -- '-----BEGIN X\nYWFh\n' | '$DECODE'"
	atf_check -s exit:1 -o ignore -e match:'bad BEGIN/END armor at byte 5$' \
	    -x "printf -- 'YWFh\n-----BEGIN X-----\nYWFh\n-----END X-----\n' | '$DECODE'"
	# Offsets count the bytes of the file as it is: mark, UTF-16.
	printf '\377\376Y\000W\000*\000h\000' >u16.txt
	atf_check -s exit:1 -e match:'u16.txt: invalid base64 at byte 6$' \
	    "$DECODE" u16.txt
	printf '\377\376Y\000W\000\351\000h\000' >u16.txt
	atf_check -s exit:1 -e match:'u16.txt: bad text encoding at byte 6$' \
	    "$DECODE" u16.txt
	atf_check -s exit:1 -e match:'invalid base64 at byte 1$' \
	    -x "printf '+-' | '$DECODE'"
	atf_check -s exit:1 -e match:'invalid base64 at byte 0$' \
	    -x "printf '+/+/' | '$DECODE' --url"
	# Input that cannot be read.
	atf_check -s exit:1 -e match:'nonexistent: No such file' \
	    "$DECODE" nonexistent
	mkdir dir
	atf_check -s exit:1 -e match:'dir: Is a directory' "$DECODE" dir
	atf_check -s exit:1 -e match:'dir: Is a directory' "$DECODE" -e dir
	# Output that cannot be written.
	printf 'YWFh' >in.txt
	atf_check -s exit:1 -e match:'nodir/out: No such file' \
	    "$DECODE" in.txt nodir/out
	atf_check -s exit:1 -e match:'dir: Is a directory' \
	    "$DECODE" -f in.txt dir
	atf_check -s exit:1 -e match:'stdout: No space left' \
	    -x "'$DECODE' in.txt >/dev/full"
	atf_check -s exit:1 -e match:'stdout: No space left' \
	    -x "'$DECODE' -e in.txt >/dev/full"
	# A reader that goes away: an error, not a silent death.
	head -c 1000000 /dev/zero >zero
	atf_check -o inline:'1\n' -e match:'stdout: Broken pipe' \
	    -x "{ '$DECODE' -e zero; echo \$? >rc; } | head -c 1 >/dev/null; cat rc"
	# Usage errors.
	atf_check -s exit:2 -e match:'^usage:' "$DECODE" -x
	atf_check -s exit:2 -e match:'^usage:' "$DECODE" --nope
	atf_check -s exit:2 -e match:'^usage:' "$DECODE" a b c
	atf_check -s exit:2 -e match:'invalid line width: abc' \
	    "$DECODE" -e -w abc
	atf_check -s exit:2 -e match:'invalid line width: -1' \
	    "$DECODE" -e -w -1
	atf_check -s exit:2 -e match:'invalid line width' \
	    "$DECODE" -e -w 99999999999999999999999
	atf_check -s exit:2 -e match:'for encoding' "$DECODE" -w 5
	atf_check -s exit:2 -e match:'for encoding' "$DECODE" --certutil
	atf_check -s exit:2 -e match:'for decoding' "$DECODE" -e --text
	atf_check -s exit:2 -e match:'for decoding' "$DECODE" -e --secret-key k
	atf_check -s exit:2 -e match:'own alphabet' "$DECODE" -e --certutil --url
	atf_check -s exit:2 -e match:'own alphabet' "$DECODE" -e --certutil -w 76
	atf_check -s exit:2 -e match:'^apitoken-decode: option --secret-key needs a value$' \
	    "$DECODE" --secret-key
	# Kubernetes Secrets.
	S="$DATA/keptn-secret.json"
	atf_check -s exit:1 -e match:'no key "nope" in data' \
	    "$DECODE" --secret-key nope "$S"
	atf_check -s exit:1 -e match:'data "count" is not a string' \
	    "$DECODE" --secret-key count "$S"
	atf_check -s exit:1 -e match:'stdin: bad JSON at line 1' \
	    -x "printf '{\"data\": ' | '$DECODE' --secret-key k"
	atf_check -s exit:1 -e match:'not a Secret' \
	    -x "printf '{\"kind\": \"Secret\"}' | '$DECODE' --secret-key k"
	atf_check -s exit:1 -e match:'data "k": invalid base64 at byte 2$' \
	    -x "printf '{\"data\": {\"k\": \"YW*h\"}}' | '$DECODE' --secret-key k"
	# jansson is loaded by --secret-key: one that will not load is an
	# error, and leaves no output file.
	mkdir badlib
	: >badlib/libjansson.so.4
	atf_check -s exit:1 \
	    -e match:'^apitoken-decode: --secret-key: .*libjansson\.so\.4: ' \
	    env LD_LIBRARY_PATH="$PWD/badlib" "$DECODE" --secret-key k "$S" \
	    secret.out
	atf_check -s exit:1 test -e secret.out
	# --help and --version go to stdout.
	atf_check -o match:'^usage: apitoken-decode' "$DECODE" --help
	atf_check -o match:'^apitoken-decode ' "$DECODE" --version
}

atf_test_case constant_memory
constant_memory_head()
{
	atf_set "descr" "1 GiB decodes in 16 MiB of address space, in lines or one"
	atf_set "require.progs" "base64 cmp head"
	atf_set "timeout" "300"
}
constant_memory_body()
{
	# ASan reserves terabytes of address space: ulimit -v stops it.
	[ -z "${APITOKEN_SANITIZED:-}" ] ||
	    atf_skip "ulimit -v and ASan do not mix"
	gib=1073741824
	# The decoder alone runs under the limit; cmp counts what it wrote.
	for w in 0 76; do
		atf_check -s exit:1 -o empty \
		    -e match:"^cmp: EOF on - after byte $gib(,|\$)" -x \
		    "head -c $gib /dev/zero | base64 -w $w |
		    { ulimit -v 16384 && '$DECODE'; echo \$? >rc; } |
		    cmp - /dev/zero"
		atf_check -o inline:'0\n' cat rc
	done
}

atf_test_case secret_key_library
secret_key_library_head()
{
	atf_set "descr" "--secret-key, jansson without a function: one line"
	atf_set "require.progs" "cc"
}
secret_key_library_body()
{
	mkdir lib
	echo 'int json_loadb;' >lib/j.c
	atf_check cc -shared -fPIC -o lib/libjansson.so.4 lib/j.c
	msg='apitoken-decode: --secret-key: libjansson.so.4: no json_object_get'
	atf_check -s exit:1 -e inline:"$msg\n" \
	    env LD_LIBRARY_PATH="$PWD/lib" "$DECODE" --secret-key k \
	    "$DATA/keptn-secret.json"
}

atf_test_case no_heavy_libraries
no_heavy_libraries_head()
{
	atf_set "descr" "Links neither libcrypto, libsodium, LMDB, libbsd nor jansson"
	atf_set "require.progs" "ldd"
}
no_heavy_libraries_body()
{
	bin="$DECODE"
	[ -x "$BUILDDIR/tools/.libs/apitoken-decode" ] &&
	    bin="$BUILDDIR/tools/.libs/apitoken-decode"
	atf_check -o save:libs ldd "$bin"
	atf_check -o ignore grep libc.so libs
	atf_check -s exit:1 grep -E 'libcrypto|libsodium|liblmdb|libbsd|libjansson' libs
}

atf_test_case infile__token_not_echoed
infile__token_not_echoed_head() {
	atf_set descr "A token given where its file belongs is not printed back in the error; a missing file with a file's name is named"
}
infile__token_not_echoed_body() {
	local t
	for t in qU39YUJW2hPug2+KV6uNvg== LgBvAFMAeQBaAEQAMQBQAHEAcgBEAGsAOgB6AEUATwA= \
	    qU39YUJW2hPug2-KV6uNvg 00112233445566778899aabbccddeeff; do
		atf_check -s exit:1 -o empty -e save:err "$DECODE" "$t"
		atf_check -o ignore grep -E -e '^apitoken-decode: no such file, and its name looks like encoded text: to decode text, give it on standard input$' err
		atf_check -s exit:1 grep -F -e "$t" err
	done
	# What is a file name is named, as base64 -d names it.
	for t in nosuch.txt some/dir/file mylongfilenamehere ABCDEF0123; do
		atf_check -s exit:1 -o empty \
		    -e inline:"apitoken-decode: $t: No such file or directory\n" \
		    "$DECODE" "$t"
	done
	# And the text itself, given on standard input, decodes.
	printf 'qU39YUJW2hPug2+KV6uNvg==\n' > in
	atf_check -s exit:0 -o save:out -x "\"$DECODE\" < in"
	atf_check -o inline:"16\n" -x "wc -c < out | tr -d ' '"
}

atf_test_case habits__gnu_and_certutil
habits__gnu_and_certutil_head()
{
	atf_set "descr" "GNU base64's -d/--decode, -i/--ignore-garbage, -w/--wrap=COLS, -h; certutil's -decode IN OUT, -encode IN OUT, -f"
}
habits__gnu_and_certutil_body()
{
	printf 'hello' >in.bin
	for d in -d --decode; do
		atf_check -s exit:0 -o inline:'hello' -e empty \
		    -x "printf 'aGVsbG8=\n' | '$DECODE' $d"
	done
	atf_check -s exit:2 -o empty -e match:"-d and -e exclude each other" \
	    "$DECODE" -d -e in.bin
	# -i: what is not base64 is skipped, as GNU base64 -d -i does.
	atf_check -s exit:1 -o ignore -e match:"at byte 3" \
	    -x "printf 'aGV*sb!G8=' | '$DECODE'"
	for i in -i --ignore-garbage; do
		atf_check -s exit:0 -o inline:'hello' -e empty \
		    -x "printf 'aGV*sb!G8=' | '$DECODE' $i"
	done
	atf_check -s exit:0 -o inline:'aGVs\nbG8=\n' -e empty \
	    "$DECODE" -e --wrap=4 in.bin
	atf_check -s exit:0 -o inline:'aGVsbG8=' -e empty \
	    "$DECODE" -e --wrap 0 in.bin
	atf_check -s exit:0 -o match:"^usage: apitoken-decode" -e empty \
	    "$DECODE" -h
	# certutil -encode IN OUT, -decode IN OUT, -f to overwrite.
	atf_check -s exit:0 -o empty -e empty "$DECODE" -encode in.bin c.txt
	printf -- '-----BEGIN CERTIFICATE-----\r\naGVsbG8=\r\n-----END CERTIFICATE-----\r\n' >want
	atf_check -o file:want cat c.txt
	atf_check -s exit:0 -o empty -e empty "$DECODE" -decode c.txt out.bin
	atf_check -o inline:'hello' cat out.bin
	atf_check -s exit:1 -o empty -e match:"output file exists" \
	    "$DECODE" -decode c.txt out.bin
	atf_check -s exit:0 -o empty -e empty "$DECODE" -f -Decode c.txt out.bin
	atf_check -s exit:0 -o empty -e empty "$DECODE" -ENCODE in.bin c2.txt
	atf_check -o file:want cat c2.txt
}

atf_test_case text__not_utf16
text__not_utf16_head()
{
	atf_set "descr" "--text on bytes that are not UTF-16LE text (odd, or 8-bit text that would show as CJK) says so, exits 1 and prints nothing"
}
text__not_utf16_body()
{
	# "hello": odd; "hell": well-formed UTF-16LE of two CJK characters.
	atf_check -s exit:1 -o empty -e match:"not UTF-16LE text" \
	    -x "printf 'aGVsbG8=' | '$DECODE' --text"
	atf_check -s exit:1 -o empty \
	    -e match:"do not look like UTF-16LE text .no byte-order mark, no Latin character.: leave out --text" \
	    -x "printf 'aGVsbA==' | '$DECODE' --text"
	# UTF-16LE "hello", with and without a byte-order mark.
	atf_check -s exit:0 -o inline:'hello\n' -e empty \
	    -x "printf 'aABlAGwAbABvAA==' | '$DECODE' --text"
	atf_check -s exit:0 -o inline:'hi\n' -e empty \
	    -x "printf '//5oAGkA' | '$DECODE' --text"
	# CJK text with its byte-order mark is text.
	printf '\344\275\240\345\245\275\n' >cjk
	atf_check -s exit:0 -o file:cjk -e empty \
	    -x "printf '//5gT31Z' | '$DECODE' --text"
}

atf_init_test_cases()
{
	atf_add_test_case habits__gnu_and_certutil
	atf_add_test_case text__not_utf16
	atf_add_test_case constant_memory
	atf_add_test_case errors
	atf_add_test_case infile__token_not_echoed
	atf_add_test_case known_answers
	atf_add_test_case no_heavy_libraries
	atf_add_test_case output_files
	atf_add_test_case round_trips
	atf_add_test_case secret_key_library
	atf_add_test_case signal
	atf_add_test_case text_encodings
}
