# Process checks shared by the harnesses (sourced by dovecot.sh and smtp.sh).

# proc_alive PID: running (a zombie waiting to be reaped is not)
proc_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	_pa_st=$(sed 's/.*) \([A-Za-z]\).*/\1/' "/proc/$1/stat" 2>/dev/null)
	[ "$_pa_st" != Z ] && [ "$_pa_st" != X ]
}

# proc_cmdline_has PID TEXT: PID's command line contains TEXT.  A pid file
# left by an earlier run may name a pid reused since by another program:
# a harness signals a pid only when this says it is still its own.
proc_cmdline_has() {
	{ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qF -- "$2"
}
