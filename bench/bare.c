/*
 * A dynamic C program that does nothing: the floor under every
 * process-start time that bench/codec.sh measures (exec, the dynamic
 * loader, libc start-up, exit).
 */
int
main(void)
{
	return 0;
}
