#!/usr/bin/env python3
# Recreates signals/pending: the status of a python3 with SIGUSR2 pending on
# its thread and SIGUSR1 and SIGRTMIN+3 pending on the process (all blocked,
# SIGHUP ignored), of a sleep with nothing pending, and of kthreadd (pid 2).
import os, signal, subprocess, threading, time

rt3 = signal.SIGRTMIN + 3
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGUSR2, rt3})
signal.signal(signal.SIGHUP, signal.SIG_IGN)
os.kill(os.getpid(), signal.SIGUSR1)
os.kill(os.getpid(), rt3)
signal.pthread_kill(threading.get_ident(), signal.SIGUSR2)


def as_from_a_shell():  # what `sleep 30 &` in a shell script inherits
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGQUIT, signal.SIG_IGN)


sleeper = subprocess.Popen(["sleep", "30"], preexec_fn=as_from_a_shell)
time.sleep(0.2)
for pid, src in ((os.getpid(), "/proc/self/status"), (sleeper.pid, f"/proc/{sleeper.pid}/status"),
                 (2, "/proc/2/status")):
    os.makedirs(f"pending/proc/{pid}", exist_ok=True)
    with open(f"pending/proc/{pid}/status", "w") as f:
        f.write(open(src).read())
sleeper.kill()
