"""The supervisor: a small Go program that makes sure nothing outlives a run.

What it does: golab starts every process (``go``, the compiler, a learner's
program, a test binary) through this helper, built once per toolchain from
the Go source below into a per-user cache and verified by its SHA-256
before it is used.  The helper

* sets its own parent-death signal (``PR_SET_PDEATHSIG``) to SIGTERM and
  checks that golab is still its parent, so when the Python process dies
  (SIGKILL, a hub culling the kernel, ``timeout`` around the CLI) the helper
  hears of it and ends everything below it;
* starts the command in a new PID namespace inside a new user namespace
  (``CLONE_NEWUSER|CLONE_NEWPID``: no privilege needed where unprivileged
  user namespaces are allowed).  The command is PID 1 there; when it ends,
  or when the helper dies and its parent-death signal (SIGKILL) reaches it,
  the kernel kills every process in the namespace, however it was started
  (``setsid``, ``setpgid``, a double fork, ``nohup``).  Where namespaces are
  not allowed, the helper becomes a child subreaper
  (``PR_SET_CHILD_SUBREAPER``): orphans of the command are re-parented to
  it, and it kills and reaps them all when the command ends;
* applies the limits (``RLIMIT_AS`` memory cap, ``RLIMIT_CPU`` backstop,
  no core files) to the command only, through a tiny ``exec`` step, so a
  small memory cap cannot stop the helper itself;
* forwards SIGQUIT to the command (a goroutine dump of a hung benchmark)
  and ends the whole tree on SIGTERM / SIGINT / SIGHUP;
* writes the command's fate on a status pipe: ``exit N`` or ``signal N``,
  so golab reports a signal as a signal (a status code cannot say it).

``GOLAB_SANDBOX=1`` adds ``CLONE_NEWNET`` and ``CLONE_NEWNS`` (no network,
a private ``/tmp``, every other mount read-only except the work dir); it
needs user namespaces.

What it reads: the Go source in this module, the toolchain.  What it
returns: the helper's path (:func:`helper_path`); golab.toolchain runs it.
"""

from __future__ import annotations

import hashlib

SOURCE = r'''// golab-supervisor: run one command so that nothing it starts outlives it.
//
//	golab-supervisor run MODE PARENTPID STATUSFD ASBYTES CPUSECONDS WORKDIR -- CMD ARGS...
//	golab-supervisor exec ASBYTES CPUSECONDS -- CMD ARGS...   (internal: limits, then execve)
//
// MODE is pidns, sandbox (pidns + no network + read-only mounts) or subreaper.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const (
	prSetPdeathsig      = 1
	prSetDumpable       = 4
	prCapbsetDrop       = 24
	prSetChildSubreaper = 36
	prSetNoNewPrivs     = 38
	prCapAmbient        = 47
	prCapAmbientClear   = 4
	capSetpcap          = 8
	capSysAdmin         = 21
)

// dropPrivileges leaves the calling thread (and what it executes next) no
// capability at all, whatever its uid: the ambient set cleared, the bounding
// set emptied (so even uid 0 gains nothing at execve), the permitted,
// effective and inheritable sets zeroed, and no_new_privs set (no setuid
// file can give any back).  The mounts set up before stay as they are: a
// process without CAP_SYS_ADMIN cannot remount or unmount them, and one that
// makes a user namespace of its own finds them locked.
func dropPrivileges() error {
	syscall.RawSyscall6(syscall.SYS_PRCTL, prCapAmbient, prCapAmbientClear, 0, 0, 0, 0)
	for c := uintptr(0); c < 64; c++ {
		if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prCapbsetDrop, c, 0); e == syscall.EINVAL {
			break // past the last capability this kernel knows
		} else if e != 0 {
			return fmt.Errorf("dropping capability %d: %v", c, e)
		}
	}
	hdr := [2]uint32{0x20080522, 0} // _LINUX_CAPABILITY_VERSION_3, this thread
	var data [6]uint32                // effective, permitted, inheritable (x2): all empty
	if _, _, e := syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data)), 0); e != 0 {
		return fmt.Errorf("capset: %v", e)
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0); e != 0 {
		return fmt.Errorf("no_new_privs: %v", e)
	}
	return nil
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "golab-supervisor: "+format+"\n", args...)
	os.Exit(code)
}

func execMode(args []string) {
	// exec ASBYTES CPUSECONDS -- CMD ARGS...
	if len(args) < 4 || args[2] != "--" {
		fail(125, "usage: exec ASBYTES CPUSECONDS -- CMD ARGS...")
	}
	// a value that does not parse is an error, never "no limit"
	as, err := strconv.ParseUint(args[0], 10, 64)
	if err != nil {
		fail(125, "bad memory limit %q: %v", args[0], err)
	}
	cpu, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil {
		fail(125, "bad CPU-time limit %q: %v", args[1], err)
	}
	syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 0, Max: 0})
	if cpu > 0 {
		syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu + 5})
	}
	if as > 0 {
		syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: as, Max: as})
	}
	cmd := args[3:]
	path := cmd[0]
	if !strings.Contains(path, "/") {
		if p, err := exec.LookPath(path); err == nil {
			path = p
		}
	}
	err = syscall.Exec(path, cmd, os.Environ())
	fail(127, "cannot run %s: %v", cmd[0], err)
}

// sandboxMode runs as PID 1 of new user, PID, network and mount namespaces:
// every mount becomes read-only, /tmp a private tmpfs, the work dir the one
// writable place; then it executes the exec step.
func sandboxMode(args []string) {
	// sandbox WORKDIR -- exec ASBYTES CPUSECONDS -- CMD ARGS...
	if len(args) < 3 || args[1] != "--" {
		fail(125, "usage: sandbox WORKDIR -- ...")
	}
	// capabilities are per thread: drop them on the thread that executes the program
	runtime.LockOSThread()
	workdir := args[0]
	self := "/proc/self/exe"
	// the helper may live under /tmp, which is about to be replaced: keep it open
	selfFd, err := syscall.Open(self, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		fail(125, "sandbox: cannot open %s: %v", self, err)
	}
	keep, err := syscall.Open(workdir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		fail(125, "sandbox: cannot open the work dir %s: %v", workdir, err)
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		fail(125, "sandbox: cannot make mounts private: %v", err)
	}
	data, _ := os.ReadFile("/proc/self/mountinfo")
	var points []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 {
			points = append(points, strings.ReplaceAll(f[4], "\\040", " "))
		}
	}
	for _, p := range points {
		var st syscall.Statfs_t
		if syscall.Statfs(p, &st) != nil {
			continue
		}
		flags := uintptr(syscall.MS_BIND | syscall.MS_REMOUNT | syscall.MS_RDONLY)
		for _, m := range [][2]uintptr{{2, syscall.MS_NOSUID}, {4, syscall.MS_NODEV}, {8, syscall.MS_NOEXEC},
			{1024, syscall.MS_NOATIME}, {2048, syscall.MS_NODIRATIME}, {4096, syscall.MS_RELATIME}} {
			if uintptr(st.Flags)&m[0] != 0 {
				flags |= m[1]
			}
		}
		if err := syscall.Mount("", p, "", flags, ""); err != nil && p == "/" {
			fail(125, "sandbox: cannot make / read-only: %v", err)
		}
	}
	if err := syscall.Mount("tmpfs", "/tmp", "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=1777"); err != nil {
		fail(125, "sandbox: cannot mount a private /tmp: %v", err)
	}
	os.MkdirAll(workdir, 0o700)
	if err := syscall.Mount(fmt.Sprintf("/proc/self/fd/%d", keep), workdir, "", syscall.MS_BIND, ""); err != nil {
		fail(125, "sandbox: cannot bind the work dir: %v", err)
	}
	var wst syscall.Statfs_t
	wflags := uintptr(syscall.MS_BIND | syscall.MS_REMOUNT)
	if syscall.Statfs(workdir, &wst) == nil {
		for _, m := range [][2]uintptr{{2, syscall.MS_NOSUID}, {4, syscall.MS_NODEV}, {8, syscall.MS_NOEXEC}} {
			if uintptr(wst.Flags)&m[0] != 0 {
				wflags |= m[1]
			}
		}
	}
	if err := syscall.Mount("", workdir, "", wflags, ""); err != nil {
		fail(125, "sandbox: cannot make the work dir writable: %v", err)
	}
	syscall.Close(keep)
	os.Chdir(workdir)
	if err := dropPrivileges(); err != nil {
		fail(125, "sandbox: cannot drop privileges: %v", err)
	}
	err = syscall.Exec(fmt.Sprintf("/proc/self/fd/%d", selfFd), append([]string{self}, args[2:]...), os.Environ())
	fail(127, "sandbox: cannot continue: %v", err)
}

func children(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

func descendants(pid int) []int {
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children(p) {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// killTree kills every descendant of this helper and reaps them, until none is left.
func killTree(self int) {
	for round := 0; round < 200; round++ {
		ds := descendants(self)
		for _, d := range ds {
			syscall.Kill(d, syscall.SIGKILL)
		}
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
		if len(ds) == 0 {
			var ws syscall.WaitStatus
			if _, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); err == syscall.ECHILD {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "exec" {
		execMode(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "sandbox" {
		sandboxMode(os.Args[2:])
		return
	}
	// run MODE PARENTPID STATUSFD ASBYTES CPUSECONDS WORKDIR -- CMD ARGS...
	a := os.Args
	if len(a) < 10 || a[1] != "run" || a[8] != "--" {
		fail(125, "usage: run MODE PARENTPID STATUSFD ASBYTES CPUSECONDS WORKDIR -- CMD ARGS...")
	}
	mode := a[2]
	parent, _ := strconv.Atoi(a[3])
	statusFd, _ := strconv.Atoi(a[4])
	as, cpu, workdir := a[5], a[6], a[7]
	cmdArgs := a[9:]

	syscall.RawSyscall(syscall.SYS_PRCTL, prSetPdeathsig, uintptr(syscall.SIGTERM), 0)
	if os.Getppid() != parent {
		fail(125, "golab is gone")
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT)
	syscall.CloseOnExec(statusFd) // the command must not inherit it (and forge its own fate)
	status := os.NewFile(uintptr(statusFd), "status")

	// the very file golab verified, even if its path is replaced meanwhile
	self := "/proc/self/exe"
	cmd := exec.Command(self, append([]string{"exec", as, cpu, "--"}, cmdArgs...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	switch mode {
	case "pidns", "sandbox":
		uid, gid := os.Getuid(), os.Getgid()
		attr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		attr.GidMappingsEnableSetgroups = false
		if mode == "sandbox" {
			// the sandbox step keeps what it needs for the mounts across its
			// execve (a uid other than 0 would lose every capability there),
			// and drops everything before the program runs
			attr.AmbientCaps = []uintptr{capSysAdmin, capSetpcap}
			attr.Cloneflags |= syscall.CLONE_NEWNET | syscall.CLONE_NEWNS
			cmd.Args = append([]string{self, "sandbox", workdir, "--"}, cmd.Args[1:]...)
		}
	case "subreaper":
		syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
		attr.Setpgid = true
	default:
		fail(125, "unknown mode %q", mode)
	}
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(status, "nostart %v\n", err)
		fail(126, "cannot start %s: %v", cmdArgs[0], err)
	}
	child := cmd.Process.Pid
	// Not dumpable from now on: a program running as the same user can no
	// longer ptrace this helper, write its memory through /proc/PID/mem or
	// reopen its status pipe through /proc/PID/fd (after the start: a
	// non-dumpable parent could not write the child's uid map).
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetDumpable, 0, 0)
	fmt.Fprintf(status, "pid %d\n", child)

	done := make(chan syscall.WaitStatus, 1)
	go func() {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, 0, nil)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return
			}
			if pid == child {
				done <- ws
				return
			}
		}
	}()
	me := os.Getpid()
	for {
		select {
		case s := <-signals:
			if s == syscall.SIGQUIT {
				syscall.Kill(child, syscall.SIGQUIT)
				continue
			}
			syscall.Kill(child, syscall.SIGKILL)
			syscall.Kill(-child, syscall.SIGKILL)
			ws := <-done
			killTree(me)
			report(status, ws)
			os.Exit(0)
		case ws := <-done:
			killTree(me)
			report(status, ws)
			os.Exit(0)
		}
	}
}

func report(status *os.File, ws syscall.WaitStatus) {
	if ws.Signaled() {
		fmt.Fprintf(status, "signal %d\n", int(ws.Signal()))
	} else {
		fmt.Fprintf(status, "exit %d\n", ws.ExitStatus())
	}
	status.Close()
}
'''

def source_digest() -> str:
    """SHA-256 of the helper's source: part of the cached binary's name."""
    return hashlib.sha256(SOURCE.encode()).hexdigest()[:16]
