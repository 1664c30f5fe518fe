//! OS limits a sandbox child puts on itself before it reads any user code: defence in depth under
//! an interpreter that has no file, network or process API anyway.
//!
//! - `setrlimit` (Unix): no core dumps; no new file descriptors (the pipes to the parent are all
//!   the child needs); an address-space limit a few times the heap limit, raised as contexts grow
//!   the heap; CPU seconds per request, a backstop behind the parent's kill (`SIGXCPU`).
//! - Landlock (Linux 5.13+): no file system access; no TCP bind/connect (6.7+). Applied before the
//!   interpreter thread exists, so both threads inherit it.
//! - seccomp (Linux): `execve`, new processes (threads stay allowed: each cell's declaration
//!   rewrite runs on a thread of its own), sockets and `ptrace`-like calls fail with `EPERM`.
//!   Applied to every thread once both exist.
//!
//! Each layer is best effort: one the platform lacks is reported as not applied in [`Confinement`].

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::Confinement;

/// Address space allowed beyond the multiples of heap and message sizes: code, allocator arenas
/// and thread stacks (the declaration rewrite of a cell reserves up to 1 GiB of stack).
const ADDRESS_SPACE_BASE: usize = 2 << 30;

/// Whether resource limits are in force (they are adjusted only then).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The interpreter's heap limit and the largest message read so far, which size the address space.
static HEAP_LIMIT: AtomicUsize = AtomicUsize::new(0);
static LARGEST_MESSAGE: AtomicUsize = AtomicUsize::new(0);

/// Limits that must be in place before the interpreter thread starts (it inherits them).
pub(crate) fn before_threads(report: &mut Confinement) {
    #[cfg(target_os = "linux")]
    linux::landlock(report);
    #[cfg(not(target_os = "linux"))]
    let _ = report;
}

/// Limits applied once every thread of the child exists; `heap_limit` sizes the address space.
pub(crate) fn after_threads(report: &mut Confinement, heap_limit: usize) {
    #[cfg(unix)]
    {
        report.resource_limits = rlimits::initial(heap_limit).is_ok();
        ACTIVE.store(report.resource_limits, Ordering::SeqCst);
    }
    #[cfg(not(unix))]
    let _ = heap_limit;
    #[cfg(target_os = "linux")]
    {
        report.seccomp = linux::seccomp().is_ok();
    }
}

/// Makes room in the address space for a message of `bytes` before it is read.
pub(crate) fn expect_message(bytes: usize) {
    if LARGEST_MESSAGE.fetch_max(bytes, Ordering::SeqCst) < bytes {
        refit();
    }
}

/// Follows a new heap limit (a loaded context raised it).
pub(crate) fn heap_limit_is(bytes: usize) {
    if HEAP_LIMIT.swap(bytes, Ordering::SeqCst) != bytes {
        refit();
    }
}

/// Lets the child use `budget` more CPU seconds from now (one request's worth) before `SIGXCPU`.
pub(crate) fn allow_cpu(budget: Duration) {
    #[cfg(unix)]
    if ACTIVE.load(Ordering::SeqCst) {
        let _ = rlimits::cpu(budget);
    }
    #[cfg(not(unix))]
    let _ = budget;
}

fn address_space() -> usize {
    HEAP_LIMIT
        .load(Ordering::SeqCst)
        .saturating_mul(3)
        .saturating_add(LARGEST_MESSAGE.load(Ordering::SeqCst).saturating_mul(4))
        .saturating_add(ADDRESS_SPACE_BASE)
}

fn refit() {
    #[cfg(unix)]
    if ACTIVE.load(Ordering::SeqCst) {
        let _ = rlimits::set_soft(rustix::process::Resource::As, address_space() as u64);
    }
}

#[cfg(unix)]
mod rlimits {
    use std::time::Duration;

    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    use rustix::time::{ClockId, clock_gettime};

    /// Sets the soft limit of `resource` (never above its hard limit, which is left alone so the
    /// soft one can be raised again).
    pub(super) fn set_soft(resource: Resource, value: u64) -> rustix::io::Result<()> {
        let current = getrlimit(resource);
        let value = current.maximum.map_or(value, |max| value.min(max));
        setrlimit(
            resource,
            Rlimit {
                current: Some(value),
                maximum: current.maximum,
            },
        )
    }

    pub(super) fn initial(heap_limit: usize) -> rustix::io::Result<()> {
        super::HEAP_LIMIT.store(heap_limit, std::sync::atomic::Ordering::SeqCst);
        setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        )?;
        set_soft(Resource::As, super::address_space() as u64)?;
        // Descriptors 0, 1 and 2 are the pipes; any new one would be numbered 3 or more.
        set_soft(Resource::Nofile, 3)
    }

    pub(super) fn cpu(budget: Duration) -> rustix::io::Result<()> {
        let used = clock_gettime(ClockId::ProcessCPUTime);
        let seconds = (used.tv_sec.max(0) as u64)
            .saturating_add(budget.as_secs())
            .saturating_add(2);
        set_soft(Resource::Cpu, seconds)
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::BTreeMap;

    use landlock::{
        ABI, Access, AccessFs, AccessNet, LandlockStatus, Ruleset, RulesetAttr, RulesetStatus,
    };
    use seccompiler::{
        SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
        SeccompRule, TargetArch,
    };

    use crate::Confinement;

    /// Denies every file system access, and TCP where the kernel supports it.
    pub(super) fn landlock(report: &mut Confinement) {
        let abi = ABI::V5;
        let status = Ruleset::default()
            .handle_access(AccessFs::from_all(abi))
            .and_then(|r| r.handle_access(AccessNet::from_all(abi)))
            .and_then(Ruleset::create)
            .and_then(landlock::RulesetCreated::restrict_self);
        let Ok(status) = status else { return };
        if status.ruleset == RulesetStatus::NotEnforced {
            return;
        }
        if let LandlockStatus::Available { effective_abi, .. } = status.landlock {
            report.landlock_filesystem = effective_abi >= ABI::V1;
            report.landlock_network = effective_abi >= ABI::V4;
        }
    }

    /// The calls that fail with `EPERM` once the child is set up.
    const DENIED: &[libc::c_long] = &[
        libc::SYS_execve,
        libc::SYS_execveat,
        #[cfg(target_arch = "x86_64")]
        libc::SYS_fork,
        #[cfg(target_arch = "x86_64")]
        libc::SYS_vfork,
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_connect,
        libc::SYS_bind,
        libc::SYS_listen,
        libc::SYS_accept4,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_kill,
        libc::SYS_tkill,
        libc::SYS_memfd_create,
    ];

    /// Two filters: `clone3` fails with `ENOSYS` (its flags cannot be inspected; the C library
    /// then falls back to `clone`), and the denied calls, and `clone` without `CLONE_THREAD` (a
    /// new process), fail with `EPERM`.
    pub(super) fn seccomp() -> Result<(), Box<dyn std::error::Error>> {
        let arch = TargetArch::try_from(std::env::consts::ARCH)?;
        let errno = |e: i32| SeccompAction::Errno(e as u32);
        let no_clone3 = BTreeMap::from([(libc::SYS_clone3, Vec::new())]);
        let mut denied: BTreeMap<i64, Vec<SeccompRule>> =
            DENIED.iter().map(|&call| (call, Vec::new())).collect();
        let new_process = SeccompCondition::new(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(libc::CLONE_THREAD as u64),
            0,
        )?;
        denied.insert(libc::SYS_clone, vec![SeccompRule::new(vec![new_process])?]);
        for (rules, action) in [
            (no_clone3, errno(libc::ENOSYS)),
            (denied, errno(libc::EPERM)),
        ] {
            let filter = SeccompFilter::new(rules, SeccompAction::Allow, action, arch)?;
            let program: seccompiler::BpfProgram = filter.try_into()?;
            seccompiler::apply_filter_all_threads(&program)?;
        }
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
#[allow(clippy::unwrap_used)]
mod tests {
    //! The limits are irreversible, so the probe runs in a child: this test binary run again with
    //! only this test and `RLM_CONFINE_PROBE` set, which confines itself and tries what it must not.

    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::Command;

    use super::*;

    const PROBE: &str = "RLM_CONFINE_PROBE";
    const TEST: &str = "child::confine::tests::a_confined_child_can_open_no_file_socket_or_process";

    fn probe() {
        let mut report = Confinement::default();
        before_threads(&mut report);
        after_threads(&mut report, 64 << 20);
        let port = std::env::var(PROBE).unwrap_or_default();
        let file = std::fs::File::open("/proc/self/status").map(|mut f| f.read(&mut [0; 8]));
        let socket = TcpStream::connect(format!("127.0.0.1:{port}"));
        let process = Command::new("/bin/true").status();
        let thread = std::thread::Builder::new()
            .spawn(|| 7)
            .map(std::thread::JoinHandle::join);
        println!(
            "PROBE {} {} {} {} {} {} {} {}",
            report.resource_limits,
            report.landlock_filesystem,
            report.seccomp,
            file.is_err(),
            socket.is_err(),
            process.is_err(),
            matches!(thread, Ok(Ok(7))),
            report.landlock_network,
        );
        std::io::stdout().flush().unwrap();
    }

    #[test]
    fn a_confined_child_can_open_no_file_socket_or_process() {
        if std::env::var_os(PROBE).is_some() {
            probe();
            return;
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let output = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
            .env(PROBE, port.to_string())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.split_once("PROBE ").map(|(_, flags)| flags))
            .unwrap_or_else(|| panic!("no probe line in {stdout}"));
        let flags: Vec<bool> = line.split(' ').map(|f| f == "true").collect();
        let [
            rlimits,
            landlock_fs,
            seccomp,
            no_file,
            no_socket,
            no_process,
            threads,
            _,
        ] = flags[..]
        else {
            panic!("{line}");
        };
        // Resource limits are always available on Linux, and alone forbid new descriptors.
        assert!(rlimits, "{line}");
        assert!(no_file && no_socket, "{line}");
        // Each layer reported as applied really holds; threads stay allowed.
        assert!(threads, "{line}");
        if seccomp {
            assert!(no_process, "{line}");
        }
        if landlock_fs {
            assert!(no_file, "{line}");
        }
    }
}
