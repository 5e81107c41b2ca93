# complete.bash FILE FUNCTION LINE: source the bash completion FILE into
# this shell (run it as "bash --norc --noprofile complete.bash ..."), set
# COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT for LINE cut at its end
# (a LINE ending in a blank completes an empty word; "=" is a word of its
# own, as COMP_WORDBREAKS makes it), call FUNCTION as bash does, and print COMPREPLY one word a line, sorted.  For
# tests/completion_test.
. "$1" || exit 3
line=$3
read -r -a COMP_WORDS <<<"${line//=/ = }"
case $line in *" ") COMP_WORDS+=("") ;; esac
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
"$2" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
    "${COMP_WORDS[COMP_CWORD - 1]}"
for w in "${COMPREPLY[@]}"; do
	printf '%s\n' "$w"
done | LC_ALL=C sort
