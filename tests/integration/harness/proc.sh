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

# proc_wait_gone PID KILL_TICKS MESSAGE: after a SIGTERM, waits in 50 ms
# ticks for PID to go; at KILL_TICKS prints MESSAGE and SIGKILLs it, and
# gives up 1 s later; then reaps it (when it is this shell's child).
proc_wait_gone() {
	_pw_i=0
	while proc_alive "$1"; do
		_pw_i=$((_pw_i + 1))
		if [ "$_pw_i" -eq "$2" ]; then
			echo "$3" >&2
			kill -KILL "$1" 2>/dev/null
		fi
		[ "$_pw_i" -ge $(($2 + 20)) ] && break
		sleep 0.05
	done
	wait "$1" 2>/dev/null
}
