#!/usr/bin/env python3
# Recreates locks/live and locks/nested: run as root from this directory.
# live:   a POSIX write lock with a POSIX reader waiting; two POSIX ranges on one
#         file with an OFD writer waiting; a shared flock with an exclusive one
#         waiting; an OFD read lock; a read lease. The holder forks a child that
#         shares its open files (so the flock and OFD locks have two holders).
#         fds.txt lists the walk's view: "pid fd major:minor inode path".
# nested: waiters queued behind waiters (depth 1, 2, 3, then 1 again).
import fcntl, os, shutil, signal, struct, sys, tempfile, time

F_OFD_SETLK, F_OFD_SETLKW = 37, 38
work = tempfile.mkdtemp(prefix="ipcctl-locks-")
children = []


def flock_arg(kind, start, length):
    return struct.pack("hhqqi", kind, os.SEEK_SET, start, length, 0) + b"\0" * 4


def spawn(body):
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)  # stop() kills the group: forked grandchildren too
        try:
            body()
            time.sleep(60)
        finally:
            os._exit(0)
    children.append(pid)
    time.sleep(0.2)
    return pid


def path(name):
    p = os.path.join(work, name)
    if not os.path.exists(p):
        with open(p, "w") as f:
            f.write("x" * 200)
    return p


def capture_live(out):
    def holder():
        a = os.open(path("posix"), os.O_RDWR)
        fcntl.fcntl(a, fcntl.F_SETLK, flock_arg(fcntl.F_WRLCK, 0, 0))
        os.open(path("posix"), os.O_RDONLY)
        b = os.open(path("ofd"), os.O_RDWR)
        fcntl.fcntl(b, F_OFD_SETLK, flock_arg(fcntl.F_RDLCK, 10, 91))
        c = os.open(path("flock"), os.O_RDONLY)
        fcntl.flock(c, fcntl.LOCK_SH)
        e = os.open(path("chain"), os.O_RDWR)
        fcntl.fcntl(e, fcntl.F_SETLK, flock_arg(fcntl.F_WRLCK, 0, 100))
        fcntl.fcntl(e, fcntl.F_SETLK, flock_arg(fcntl.F_RDLCK, 150, 10))
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)

    def lease():
        fcntl.fcntl(os.open(path("lease"), os.O_RDONLY), fcntl.F_SETLEASE, fcntl.F_RDLCK)

    def posix_waiter():
        fcntl.fcntl(os.open(path("posix"), os.O_RDWR), fcntl.F_SETLKW, flock_arg(fcntl.F_RDLCK, 5, 10))

    def flock_waiter():
        fcntl.flock(os.open(path("flock"), os.O_RDWR), fcntl.LOCK_EX)

    def ofd_waiter():
        fcntl.fcntl(os.open(path("chain"), os.O_RDWR), F_OFD_SETLKW, flock_arg(fcntl.F_WRLCK, 0, 0))

    for body in (holder, lease, posix_waiter, flock_waiter, ofd_waiter):
        spawn(body)
    pids = list(children)
    for entry in os.listdir("/proc"):  # the holder's child
        try:
            if entry.isdigit() and f"PPid:\t{children[0]}\n" in open(f"/proc/{entry}/status").read():
                pids.append(int(entry))
        except OSError:
            pass
    os.makedirs(f"{out}/proc", exist_ok=True)
    with open(f"{out}/proc/locks", "w") as f:
        f.write(open("/proc/locks").read())
    rows = []
    for pid in pids:
        for fd in sorted(os.listdir(f"/proc/{pid}/fd"), key=int):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if not target.startswith(work):
                continue
            os.makedirs(f"{out}/proc/{pid}/fdinfo", exist_ok=True)
            with open(f"{out}/proc/{pid}/fdinfo/{fd}", "w") as f:
                f.write(open(f"/proc/{pid}/fdinfo/{fd}").read())
            st = os.stat(target)
            rows.append(f"{pid} {fd} {os.major(st.st_dev)}:{os.minor(st.st_dev)} {st.st_ino} {target}")
    with open(f"{out}/fds.txt", "w") as f:
        f.write("\n".join(rows) + "\n")


def capture_nested(out):
    def lock(start, length, cmd):
        return lambda: fcntl.fcntl(os.open(path("nest"), os.O_RDWR), cmd, flock_arg(fcntl.F_WRLCK, start, length))

    for start, length, cmd in ((0, 0, fcntl.F_SETLK), (0, 10, fcntl.F_SETLKW), (0, 5, fcntl.F_SETLKW),
                               (50, 5, fcntl.F_SETLKW), (0, 3, fcntl.F_SETLKW)):
        spawn(lock(start, length, cmd))
    os.makedirs(f"{out}/proc", exist_ok=True)
    with open(f"{out}/proc/locks", "w") as f:
        f.write(open("/proc/locks").read())


def stop():
    for pid in children:
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    children.clear()


try:
    capture_live(sys.argv[1] if len(sys.argv) > 1 else "live")
    stop()
    capture_nested(sys.argv[2] if len(sys.argv) > 2 else "nested")
finally:
    stop()
    shutil.rmtree(work)
