//! The recognition table: message text (+ caller directory, + field condition)
//! → event kind, with the versions and source file of each string.
//!
//! Strings are copied from `reference/milvus-log-catalogue.md` (row numbers
//! `§2a #43` etc.) or, where marked *observed*, from the real 2.3.5 / 2.2.16
//! captures of `../shared/bundles` and `samples/` (harness README). Adding a
//! Milvus version is adding rows. Rows are tried in order; the first match
//! wins, so a specific row (a field condition) comes before a general one.
//!
//! Every rule has a stable numeric `id` (never reused; `rule_ids.txt` is the
//! register a test compares with) and a name `<Component><Subject><PastTenseVerb>`.

use super::EventKind as K;

/// How the message must look.
#[derive(Clone, Copy, Debug)]
pub enum TextMatch {
    /// The whole message.
    Exact(&'static str),
    /// The message starts with it.
    Prefix(&'static str),
    /// The message ends with it.
    Suffix(&'static str),
    /// The message contains it (formatted etcd/raft messages).
    Contains(&'static str),
    /// `fmt.Sprintf` templates with one hole: prefix and suffix.
    PrefixSuffix(&'static str, &'static str),
    /// Any message (with a condition).
    Any,
}

/// Which family of lines a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Milvus's own logger (text, JSON) and its C++ loggers.
    Milvus,
    /// Go panics / fatal errors in a Milvus stream.
    Panic,
    /// The etcd client embedded in Milvus (JSON on stderr).
    EtcdClient,
    /// The etcd server (JSON, capnslog, raft).
    Etcd,
    /// A client request log (`client.jsonl`): one line per request.
    ClientRequest,
    /// A client SDK's own log (pymilvus, Python logging).
    ClientLog,
    /// The start-up banner a Milvus process prints on stderr.
    Banner,
    /// Kubernetes' account of a pod (`kubectl describe pod`): container
    /// terminations (the message is the reason) and event rows.
    Kubernetes,
}

/// An extra condition on the record.
#[derive(Clone, Copy, Debug)]
pub enum Cond {
    /// None.
    None,
    /// The field's value contains the text.
    FieldContains(&'static str, &'static str),
    /// The field exists.
    FieldPresent(&'static str),
    /// The record is a failure (level ERROR or worse).
    Failed,
}

/// Where the node acted on is written.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    /// The line names no node.
    None,
    /// The first of these fields holding a number.
    Field(&'static [&'static str]),
    /// A `role-<id>` value (`clientRole=querynode-1`).
    RoleSuffix(&'static [&'static str]),
    /// The server id in the name of the log file a field names
    /// (`path=standalone-2.log`).
    LogFile(&'static str),
}

/// What the later stages look for, beyond the kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Nothing beyond the kind.
    None,
    /// A component is ready to serve.
    Ready,
    /// A component registered its session (names its server id and role).
    Registered,
    /// Meta recovered from etcd.
    MetaRecovered,
    /// The process exits because it lost its session or crashed.
    Exit,
    /// The process was asked to stop.
    GracefulExit,
    /// Its own session lease is gone.
    SessionLoss,
    /// The keep-alive stream to etcd broke (etcd away, or the process paused).
    KeepAliveTrouble,
    /// An etcd call was slow or failed (Milvus side) or etcd itself was slow.
    EtcdTrouble,
    /// A QueryCoord removed a node.
    NodeRemoved,
    /// A QueryCoord took a node (possibly a stale session) as serving.
    NodeAdded,
    /// QueryCoord got a distribution response after a long gap.
    HeartbeatRefreshed,
    /// A channel watch (subscription) started.
    WatchStart,
    /// A channel watch finished.
    WatchDone,
    /// Load progress with a percentage field.
    LoadProgress,
    /// A delegator could not serve yet: it waited for tsafe (time ticks) or
    /// its serviceable time lagged too far.
    TsafeWait,
    /// RootCoord waits for time ticks from a session that sends none.
    TickIdle,
    /// One request failed at the Proxy.
    ProxyFailure,
    /// One request failed in a client request log.
    ClientFailure,
    /// The process's clock jumped.
    ClockJump,
    /// A Milvus process starts its components (ms-precise start).
    Started,
    /// The Proxy logged a slow request with its duration.
    RequestSlow,
    /// Kubernetes saw a container terminate (`kubectl describe`: reason,
    /// exit code, finish time, memory limit in the fields).
    ContainerTerminated,
    /// A process's memory in use, MB.
    MemoryReading,
    /// Marker for the timeline, no event: the start-up banner's first line.
    BannerPrinted,
    /// Marker for the timeline, no event: the process names its log file
    /// (and so its server id).
    LogFileSet,
    /// Marker for the timeline, no event: the process opens its log file
    /// (`Log directory`, the line before `Set log file to`).
    LogDirectorySet,
    /// Marker for the timeline, no event: configuration loading that Milvus
    /// 2.2 logs just before `starting running Milvus components`.
    ConfigLoading,
}

impl Signal {
    /// Rows with these signals tell the timeline where processes start and
    /// which id they have; they are not events of DESIGN.md's kinds.
    pub fn is_marker(self) -> bool {
        matches!(
            self,
            Signal::BannerPrinted
                | Signal::LogFileSet
                | Signal::LogDirectorySet
                | Signal::ConfigLoading
        )
    }
}

/// The rule with a stable id.
pub fn by_id(id: u16) -> Option<&'static Rule> {
    static BY_ID: std::sync::LazyLock<Vec<Option<u16>>> = std::sync::LazyLock::new(|| {
        let max = RULES.iter().map(|r| r.id).max().unwrap_or(0) as usize;
        let mut v = vec![None; max + 1];
        for (i, r) in RULES.iter().enumerate() {
            v[r.id as usize] = Some(i as u16);
        }
        v
    });
    BY_ID
        .get(id as usize)
        .copied()
        .flatten()
        .map(|i| &RULES[i as usize])
}

/// One row of the table.
#[derive(Debug)]
pub struct Rule {
    /// Stable id.
    pub id: u16,
    /// `<Component><Subject><PastTenseVerb>`.
    pub name: &'static str,
    /// Event kind.
    pub kind: K,
    /// Lines it reads.
    pub origin: Origin,
    /// Message text.
    pub text: TextMatch,
    /// Caller's leaf directory, when the text alone is ambiguous.
    pub caller: Option<&'static str>,
    /// Extra condition.
    pub cond: Cond,
    /// Where the subject node is.
    pub subject: Subject,
    /// What later stages look for.
    pub signal: Signal,
    /// Versions that write this text.
    pub versions: &'static str,
    /// Source file of the string.
    pub file: &'static str,
}

use Cond as C;
use Origin as O;
use Signal as S;
use Subject as J;
use TextMatch as T;

const NODE: J = J::Field(&[
    "nodeID",
    "node",
    "serverID",
    "ServerID",
    "queryNodeID",
    "id",
]);
const TO: J = J::Field(&["to", "node", "nodeID"]);

macro_rules! rule {
    ($id:expr, $name:expr, $kind:expr, $origin:expr, $text:expr, $caller:expr, $cond:expr, $subject:expr, $signal:expr, $versions:expr, $file:expr) => {
        Rule {
            id: $id,
            name: $name,
            kind: $kind,
            origin: $origin,
            text: $text,
            caller: $caller,
            cond: $cond,
            subject: $subject,
            signal: $signal,
            versions: $versions,
            file: $file,
        }
    };
}

/// The table. Order matters only between rows that can match the same line.
#[rustfmt::skip]
pub static RULES: &[Rule] = &[
    // ── process start / ready (§2e) ──
    rule!(1, "MilvusComponentsStarted", K::ProcessStart, O::Milvus, T::Exact("starting running Milvus components"), None, C::None, J::None, S::Started, "2.2–2.5", "cmd/roles/roles.go"), // §2e #314
    rule!(2, "SessionServerStarted", K::ProcessStart, O::Milvus, T::Exact("start server"), Some("sessionutil"), C::None, J::Field(&["id"]), S::Registered, "2.3.0+", "internal/util/sessionutil/session_util.go"), // §2a #1
    rule!(3, "QueryCoordServerStarted", K::ProcessStart, O::Milvus, T::Exact("QueryCoord started"), None, C::None, J::None, S::Ready, "2.2–2.5", "internal/querycoordv2/server.go"), // §2e #360
    rule!(4, "QueryNodeServerStarted", K::ProcessStart, O::Milvus, T::Exact("query node start successfully"), None, C::None, J::Field(&["queryNodeID"]), S::Ready, "2.2–2.5", "internal/querynodev2/server.go"), // §2e #370
    rule!(5, "QueryCoordStartupSucceeded", K::ProcessStart, O::Milvus, T::Exact("QueryCoord startup success"), None, C::None, J::None, S::Ready, "2.2–2.5", "internal/querycoordv2/server.go"), // §2e #363
    rule!(6, "QueryCoordServerSucceeded", K::ProcessStart, O::Milvus, T::Exact("QueryCoord successfully started"), None, C::None, J::None, S::Ready, "2.5 (INFO)", "cmd/components/query_coord.go"), // §2e #319
    rule!(7, "SessionOldSessionPurged", K::NodeUp, O::Milvus, T::Exact("find old session is same as current node, assume it as restart, purge old session"), None, C::None, J::None, S::None, "2.3.5+", "internal/util/sessionutil/session_util.go"), // §2a #9
    // Markers the timeline reads (no event): the banner's first line, the log
    // file a process names (its server id); 2.2's config loading is at the end.
    rule!(8, "MilvusBannerPrinted", K::ProcessStart, O::Banner, T::Prefix("Welcome to use Milvus!"), None, C::None, J::None, S::BannerPrinted, "2.2–2.5", "cmd/milvus/run.go"), // §1.3 banner (printBanner)
    rule!(284, "MilvusLogDirectorySet", K::ProcessStart, O::Milvus, T::Exact("Log directory"), None, C::None, J::None, S::LogDirectorySet, "2.2–2.5", "pkg/util/logutil/logutil.go (2.3+), internal/util/logutil/logutil.go (2.2)"), // §2e #315
    rule!(9, "MilvusLogFileSet", K::ProcessStart, O::Milvus, T::Exact("Set log file to "), None, C::None, J::LogFile("path"), S::LogFileSet, "2.2–2.5", "pkg/util/logutil/logutil.go (2.3+), internal/util/logutil/logutil.go (2.2)"), // §2e #316
    // ── process exit (§2a, §2e) ──
    rule!(10, "MilvusExitSignalReceived", K::ProcessExit, O::Milvus, T::Prefix("Get signal to exit"), None, C::None, J::None, S::GracefulExit, "2.2–2.5 (2.2–2.3.0 with a trailing \\n)", "cmd/roles/roles.go"), // §2e #327
    rule!(11, "MilvusGracefulStopFinished", K::ProcessExit, O::Milvus, T::Exact("Milvus components graceful stop done"), None, C::None, J::None, S::GracefulExit, "2.3.5+", "cmd/roles/roles.go"), // §2e #328
    rule!(12, "ComponentEtcdDisconnected", K::ProcessExit, O::Milvus, T::Suffix(" disconnected from etcd, process will exit"), None, C::None, J::Field(&["serverID", "Server Id"]), S::Exit, "2.2–2.5", "internal/querycoordv2/server.go, internal/querynodev2/server.go, internal/proxy/proxy.go"), // §2a #38–40
    rule!(287, "DataCoordEtcdDisconnected", K::ProcessExit, O::Milvus, T::Exact("disconnected from etcd and exited"), None, C::None, J::Field(&["serverID"]), S::Exit, "2.0–2.5", "internal/datacoord/server.go"), // DataCoord's liveness-check callback, then os.Exit(1) (milvus#17940 shows it on 2.0.2)
    rule!(13, "GoPanicRaised", K::ProcessExit, O::Panic, T::Prefix("panic: "), None, C::None, J::None, S::Exit, "any", "Go runtime"), // §6.1
    rule!(14, "GoFatalErrorRaised", K::ProcessExit, O::Panic, T::Prefix("fatal error: "), None, C::None, J::None, S::Exit, "any", "Go runtime"), // §6.1
    // ── sessions (§2a #6–#26) ──
    rule!(20, "SessionKeyDeleted", K::SessionLost, O::Milvus, T::Exact("session key is deleted, exit..."), None, C::None, J::None, S::SessionLoss, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // §2a #24
    rule!(21, "SessionKeepAliveOnceFailed", K::SessionLost, O::Milvus, T::Exact("fail to retry keepAliveOnce"), None, C::None, J::None, S::SessionLoss, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // §2a #13
    rule!(22, "SessionConnectionLost", K::SessionLost, O::Milvus, T::Exact("connection lost detected, shuting down"), None, C::None, J::None, S::SessionLoss, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // §2a #17
    rule!(23, "SessionKeepAliveClosed", K::SessionLost, O::Milvus, T::Exact("session keepalive channel closed"), None, C::None, J::None, S::KeepAliveTrouble, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // §2a #11
    rule!(24, "SessionKeepAliveInterrupted", K::SessionLost, O::Milvus, T::Exact("keepAlive channel close caused by etcd, try to KeepAliveOnce"), None, C::None, J::None, S::KeepAliveTrouble, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // §2a #12
    rule!(25, "SessionKeepAliveFailed", K::SessionLost, O::Milvus, T::Exact("fail to retry keepAlive"), None, C::None, J::None, S::KeepAliveTrouble, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // §2a #15
    rule!(26, "SessionKeepAliveErrored", K::SessionLost, O::Milvus, T::Exact("go error during keeping alive with etcd"), None, C::None, J::None, S::KeepAliveTrouble, "2.3.0+", "internal/util/sessionutil/session_util.go"), // §2a #7
    rule!(27, "SessionKeepAliveResponseFailed", K::SessionLost, O::Milvus, T::Exact("session keepalive response failed"), None, C::None, J::None, S::KeepAliveTrouble, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // §2a #16
    rule!(28, "SessionRegisterFailed", K::SessionLost, O::Milvus, T::Exact("register on etcd error, check the availability of etcd "), None, C::None, J::None, S::EtcdTrouble, "2.3.5+", "internal/util/sessionutil/session_util.go"), // §2a #6
    rule!(29, "SessionLivenessCheckFailed", K::SessionLost, O::Milvus, T::Exact("failed to get session for liveness check"), None, C::None, J::None, S::SessionLoss, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // §2a #25
    rule!(288, "SessionActiveKeyLeaseLost", K::SessionLost, O::Milvus, T::Exact("register active key to etcd failed"), None, C::FieldContains("error", "lease not found"), J::None, S::SessionLoss, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // ProcessActiveStandBy's Txn with the session lease (milvus#30100)
    rule!(289, "SessionActiveKeyRegisterFailed", K::SessionLost, O::Milvus, T::Exact("register active key to etcd failed"), None, C::None, J::None, S::EtcdTrouble, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // the same without a lease error: etcd refused or timed out
    rule!(290, "SessionClientSideExpired", K::SessionLost, O::Milvus, T::Prefix("session expired at client side"), None, C::None, J::None, S::SessionLoss, "2.6", "internal/util/sessionutil/session_util.go"), // checkKeepaliveTTL, then os.Exit(ExitCodeEtcd)
    rule!(291, "SessionLeaseNotFoundConfirmed", K::SessionLost, O::Milvus, T::Prefix("confirm the lease is not found"), None, C::None, J::None, S::SessionLoss, "2.6", "internal/util/sessionutil/session_util.go"), // checkKeepaliveTTL, then os.Exit(ExitCodeEtcd)
    rule!(292, "SessionLeaseExpiredConfirmed", K::SessionLost, O::Milvus, T::Prefix("confirm the lease is expired"), None, C::None, J::None, S::SessionLoss, "2.6", "internal/util/sessionutil/session_util.go"), // checkKeepaliveTTL, then os.Exit(ExitCodeEtcd)
    rule!(293, "SessionKeepAliveRetryWaited", K::SessionLost, O::Milvus, T::Exact("failed to start keep alive, wait for retry..."), None, C::None, J::None, S::KeepAliveTrouble, "2.6", "internal/util/sessionutil/session_util.go"), // processKeepAliveResponse's backoff
    rule!(30, "SessionServiceRegistered", K::NodeUp, O::Milvus, T::Exact("Service registered successfully"), None, C::None, J::Field(&["serverID", "ServerID"]), S::Registered, "2.2–2.5", "internal/util/sessionutil/session_util.go"), // §2a #5
    // ── QueryCoord membership (§2a #41–#61) ──
    rule!(40, "QueryCoordNodeRemoved", K::NodeDown, O::Milvus, T::Exact("a node down, remove it"), None, C::None, NODE, S::NodeRemoved, "2.2–2.5", "internal/querycoordv2/server.go"), // §2a #43
    rule!(41, "QueryCoordExecutorRemoved", K::NodeDown, O::Milvus, T::Exact("remove executor of offline QueryNode"), None, C::None, NODE, S::None, "2.2–2.5", "internal/querycoordv2/task/scheduler.go"), // §2a #60
    rule!(42, "QueryCoordOfflineNodesRemoved", K::NodeDown, O::Milvus, T::Exact("some nodes are offline, remove them from replica"), None, C::None, J::Field(&["offlineNodes", "toRemove"]), S::NodeRemoved, "2.2–2.3.21", "internal/querycoordv2/server.go"), // §2a #58
    rule!(43, "QueryCoordReplicaNodeRemoved", K::NodeDown, O::Milvus, T::Exact("remove node from replica"), None, C::None, NODE, S::None, "2.2–2.3.21", "internal/querycoordv2/server.go"), // §2a #53
    rule!(44, "QueryCoordResourceGroupNodeRemoved", K::NodeDown, O::Milvus, T::Exact("HandleNodeDown: remove node from resource group"), None, C::None, NODE, S::None, "2.2–2.5", "internal/querycoordv2/server.go"), // §2a #55
    rule!(45, "QueryCoordNodeStopped", K::NodeDown, O::Milvus, T::Exact("stopping the node"), None, C::None, NODE, S::None, "2.2–2.5", "internal/querycoordv2/server.go"), // §2a #42
    rule!(46, "ProxyQueryNodeRemoved", K::NodeDown, O::Milvus, T::Exact("the heartbeat failures has reach it's upper limit, remove the query node"), None, C::None, NODE, S::None, "2.3.5+", "internal/proxy/look_aside_balancer.go"), // §2a #81
    rule!(47, "DataCoordQueryNodeUnregistered", K::NodeDown, O::Milvus, T::Exact("received querynode unregister"), None, C::None, NODE, S::None, "2.3.5 (observed)", "internal/datacoord/server.go"), // observed, harness README kill-restart-1 step 10
    rule!(48, "QueryCoordStaleTaskDropped", K::NodeDown, O::Milvus, T::Exact("the task is stale, the target node is offline"), None, C::None, NODE, S::None, "2.2–2.5", "internal/querycoordv2/task/scheduler.go"), // §2b #108
    rule!(50, "QueryCoordNodeAdded", K::NodeUp, O::Milvus, T::Exact("add node to NodeManager"), None, C::None, NODE, S::NodeAdded, "2.2–2.5", "internal/querycoordv2/server.go"), // §2a #41
    rule!(51, "QueryCoordExecutorAdded", K::NodeUp, O::Milvus, T::Exact("add executor for new QueryNode"), None, C::None, NODE, S::NodeAdded, "2.2–2.5", "internal/querycoordv2/task/scheduler.go"), // §2a #59
    rule!(52, "QueryCoordResourceGroupNodeKept", K::NodeUp, O::Milvus, T::Exact("HandleNodeUp: node already assign to resource group"), None, C::None, NODE, S::NodeAdded, "2.3.5 (observed)", "internal/querycoordv2/meta/resource_manager.go"), // observed, harness README kill-restart-1 step 4
    rule!(53, "QueryCoordResourceGroupNodeAdded", K::NodeUp, O::Milvus, T::Prefix("HandleNodeUp: add node to "), None, C::None, NODE, S::NodeAdded, "2.3.5 (observed), 2.4+", "internal/querycoordv2/meta/resource_manager.go"), // §2a #52 + observed `… default resource group`
    rule!(54, "QueryCoordResourceGroupNodeAssigned", K::NodeUp, O::Milvus, T::Exact("HandleNodeUp: assign node to resource group"), None, C::None, NODE, S::NodeAdded, "2.2–2.3.21", "internal/querycoordv2/server.go"), // §2a #50
    rule!(55, "QueryCoordDistHandlerStarted", K::NodeUp, O::Milvus, T::Exact("start dist handler"), None, C::None, NODE, S::None, "2.2–2.5", "internal/querycoordv2/dist/dist_handler.go"), // §2a #62
    rule!(56, "QueryCoordNodeUpDelayed", K::HeartbeatMiss, O::Milvus, T::Exact("unhealthy node exist, node up will be delayed"), None, C::None, J::None, S::None, "2.2–2.5", "internal/querycoordv2/server.go"), // §2a #46
    // ── heartbeats / distribution pulls / Proxy probes (§2a #66–#83) ──
    rule!(60, "QueryCoordDistributionPullFailed", K::HeartbeatMiss, O::Milvus, T::Exact("failed to get data distribution"), None, C::None, NODE, S::None, "2.2–2.5", "internal/querycoordv2/dist/dist_handler.go"), // §2a #66
    rule!(61, "QueryCoordDistributionPullsFailed", K::HeartbeatMiss, O::Milvus, T::Prefix("can not get data distribution from node "), None, C::None, J::None, S::None, "2.2", "internal/querycoordv2/dist/dist_handler.go"), // §2a #67
    rule!(62, "QueryCoordHeartbeatLagged", K::HeartbeatMiss, O::Milvus, T::Exact("node last heart beat time lag too behind"), None, C::None, NODE, S::HeartbeatRefreshed, "2.3.0+", "internal/querycoordv2/dist/dist_handler.go"), // §2a #68
    rule!(63, "QueryCoordDistributionSyncFailed", K::HeartbeatMiss, O::Milvus, T::Exact("SyncAll come across err when getting data distribution"), None, C::None, J::None, S::None, "2.3.0+", "internal/querycoordv2/dist/dist_controller.go"), // §2a #70
    rule!(64, "ProxyNodeStatusFailed", K::HeartbeatMiss, O::Milvus, T::Exact("get component status failed, set node unreachable"), None, C::None, NODE, S::None, "2.3.5+", "internal/proxy/look_aside_balancer.go"), // §2a #76
    rule!(65, "ProxyNodeStatusFailedV230", K::HeartbeatMiss, O::Milvus, T::Exact("get component status failed,set node unreachable"), None, C::None, NODE, S::None, "2.3.0", "internal/proxy/look_aside_balancer.go"), // §2a #78
    rule!(66, "ProxyNodeUnhealthyMarked", K::HeartbeatMiss, O::Milvus, T::Exact("component status unhealthy, set node unreachable"), None, C::None, NODE, S::None, "2.3.5+", "internal/proxy/look_aside_balancer.go"), // §2a #77
    rule!(67, "ProxyNodeClientFailed", K::HeartbeatMiss, O::Milvus, T::Exact("get client failed, set node unreachable"), None, C::None, NODE, S::None, "2.3.0–2.3.6", "internal/proxy/look_aside_balancer.go"), // §2a #74
    rule!(68, "ProxyNodeUnreachableSkipped", K::HeartbeatMiss, O::Milvus, T::Exact("query node  is unreachable, skip it"), None, C::None, NODE, S::None, "2.3.0–2.3.21", "internal/proxy/look_aside_balancer.go"), // §2a #83 (double space)
    rule!(69, "QueryCoordLeaderUnavailableFound", K::HeartbeatMiss, O::Milvus, T::Prefix("leader is not available"), None, C::None, J::Field(&["leaderID"]), S::None, "2.2–2.5", "internal/querycoordv2/services.go"), // §2d-1 #245–#248
    rule!(70, "RootCoordSessionIdled", K::HeartbeatMiss, O::Milvus, T::Exact("session idle for long time"), None, C::None, J::Field(&["idle list"]), S::TickIdle, "2.3.5 (observed)", "internal/rootcoord/timeticksync.go"), // observed, harness README kill-restart-1 step 6
    rule!(71, "ProxyNodeRecovered", K::RoutingUpdate, O::Milvus, T::Exact("component recuperated, set node reachable"), None, C::None, NODE, S::None, "2.3.0+", "internal/proxy/look_aside_balancer.go"), // §2a #82
    // ── reassignment (§2b) ──
    rule!(80, "QueryCoordChannelTaskAdded", K::ChannelReassign, O::Milvus, T::Exact("task added"), None, C::FieldContains("task", "[channel="), J::None, S::None, "2.2–2.5", "internal/querycoordv2/task/scheduler.go"), // §2b #100
    rule!(81, "QueryCoordSegmentTaskAdded", K::SegmentReassign, O::Milvus, T::Exact("task added"), None, C::None, J::None, S::None, "2.2–2.5", "internal/querycoordv2/task/scheduler.go"), // §2b #100
    rule!(82, "QueryCoordChannelTaskRemoved", K::ChannelReassign, O::Milvus, T::Exact("task removed"), None, C::FieldPresent("channel"), J::None, S::None, "2.2–2.5", "internal/querycoordv2/task/scheduler.go"), // §2b #101
    rule!(83, "QueryCoordSegmentTaskRemoved", K::SegmentReassign, O::Milvus, T::Exact("task removed"), None, C::None, J::None, S::None, "2.2–2.5", "internal/querycoordv2/task/scheduler.go"), // §2b #101
    rule!(84, "QueryCoordChannelTaskCreated", K::ChannelReassign, O::Milvus, T::Exact("create channel task"), None, C::None, TO, S::None, "2.3.5 (observed)", "internal/querycoordv2/balance/utils.go"), // observed, harness README kill-restart-1 step 5
    rule!(85, "QueryCoordSegmentTaskCreated", K::SegmentReassign, O::Milvus, T::Exact("create segment task"), None, C::None, TO, S::None, "2.3.5 (observed)", "internal/querycoordv2/balance/utils.go"), // observed, harness README kill-restart-1 step 11
    rule!(86, "QueryCoordChannelSubscribeStarted", K::ChannelReassign, O::Milvus, T::Exact("subscribe channel..."), None, C::None, J::Field(&["node"]), S::WatchStart, "2.2–2.5", "internal/querycoordv2/task/executor.go"), // §2b #130
    rule!(87, "QueryCoordChannelSubscribed", K::ChannelReassign, O::Milvus, T::Exact("subscribe channel done"), None, C::None, J::Field(&["node"]), S::WatchDone, "2.3.0+", "internal/querycoordv2/task/executor.go"), // §2b #133
    rule!(88, "QueryCoordDmChannelSubscribed", K::ChannelReassign, O::Milvus, T::Exact("subscribe DmChannel done"), None, C::None, J::Field(&["node"]), S::WatchDone, "2.2", "internal/querycoordv2/task/executor.go"), // §2b #135
    rule!(89, "QueryCoordChannelSubscribeFailed", K::ChannelReassign, O::Milvus, T::Prefix("failed to subscribe "), None, C::None, J::Field(&["node"]), S::None, "2.2–2.5", "internal/querycoordv2/task/executor.go"), // §2b #131, #132, #134
    rule!(90, "QueryNodeChannelWatchReceived", K::ChannelReassign, O::Milvus, T::Exact("received watch channel request"), None, C::None, J::Field(&["currentNodeID"]), S::WatchStart, "2.3.0+", "internal/querynodev2/services.go"), // §2b #142
    rule!(91, "QueryNodeChannelWatchSucceeded", K::ChannelReassign, O::Milvus, T::Exact("watch dml channel success"), None, C::None, J::Field(&["currentNodeID"]), S::WatchDone, "2.3.0+", "internal/querynodev2/services.go"), // §2b #146
    rule!(92, "QueryNodeDmChannelWatchStarted", K::ChannelReassign, O::Milvus, T::Exact("watchDmChannels init"), None, C::None, J::None, S::WatchStart, "2.2", "internal/querynode/impl.go"), // §2b #163
    rule!(93, "QueryNodeDmChannelWatchFinished", K::ChannelReassign, O::Milvus, T::Exact("WatchDmChannels done"), None, C::None, J::None, S::WatchDone, "2.2", "internal/querynode/watch_dm_channels_task.go"), // §2b #166
    rule!(94, "QueryCoordChannelUnsubscribed", K::ChannelReassign, O::Milvus, T::Exact("unsubscribe channel..."), None, C::None, J::Field(&["node"]), S::None, "2.2–2.5", "internal/querycoordv2/task/executor.go"), // §2b #136
    rule!(100, "QueryCoordSegmentLoadStarted", K::SegmentReassign, O::Milvus, T::Exact("load segments..."), None, C::None, J::Field(&["node"]), S::None, "2.2–2.5", "internal/querycoordv2/task/executor.go"), // §2b #122
    rule!(101, "QueryCoordSegmentLoadFinished", K::SegmentReassign, O::Milvus, T::Exact("load segments done"), None, C::None, J::Field(&["node"]), S::None, "2.2–2.5", "internal/querycoordv2/task/executor.go"), // §2b #126
    rule!(102, "QueryCoordSegmentLoadFailed", K::SegmentReassign, O::Milvus, T::Exact("failed to load segment"), None, C::None, J::Field(&["node"]), S::None, "2.2–2.5", "internal/querycoordv2/task/executor.go"), // §2b #123
    rule!(103, "QueryCoordSegmentReleaseStarted", K::SegmentReassign, O::Milvus, T::Exact("release segment..."), None, C::None, J::Field(&["node"]), S::None, "2.2–2.5", "internal/querycoordv2/task/executor.go"), // §2b #127
    rule!(104, "QueryCoordSegmentTaskErrored", K::SegmentReassign, O::Milvus, T::Exact("task scheduler recordSegmentTaskError"), None, C::None, J::None, S::None, "2.2–2.5", "internal/querycoordv2/task/scheduler.go"), // §2b #107
    rule!(105, "QueryNodeSegmentLoadReceived", K::SegmentReassign, O::Milvus, T::Exact("received load segments request"), None, C::None, J::Field(&["currentNodeID"]), S::None, "2.3.0+", "internal/querynodev2/services.go"), // §2b #149
    rule!(106, "QueryNodeSegmentLoadFinished", K::SegmentReassign, O::Milvus, T::Exact("load segments done..."), None, C::None, J::Field(&["currentNodeID"]), S::None, "2.3.0+", "internal/querynodev2/services.go"), // §2b #151
    rule!(107, "QueryNodeSegmentLoadFailed", K::SegmentReassign, O::Milvus, T::Exact("delegator failed to load segments"), None, C::None, J::None, S::None, "2.3.0+", "internal/querynodev2/services.go"), // §2b #152
    rule!(108, "QueryCoordLoadStatusUpdated", K::SegmentReassign, O::Milvus, T::Exact("load status updated"), None, C::None, J::None, S::LoadProgress, "2.3.0–2.3.21", "internal/querycoordv2/observers/collection_observer.go"), // §2b #192
    rule!(109, "QueryCoordCollectionLoadUpdated", K::SegmentReassign, O::Milvus, T::Exact("collection load status updated"), None, C::None, J::None, S::LoadProgress, "2.2, 2.4, 2.5", "internal/querycoordv2/observers/collection_observer.go"), // §2b #191
    rule!(110, "QueryCoordLoadCancelled", K::SegmentReassign, O::Milvus, T::Suffix(" timeout, cancel it"), None, C::None, J::None, S::None, "2.2–2.5", "internal/querycoordv2/observers/collection_observer.go"), // §2b #186–#188
    rule!(294, "QueryNodeFollowerLoadFailed", K::SegmentReassign, O::Milvus, T::Exact("follower load segment failed"), None, C::None, J::None, S::None, "2.2", "internal/querynode/shard_cluster.go"), // milvus#20247
    // `sync action` with `Action=UpdateVersion` is the target observer's
    // periodic version bump (every 10 s in steady state in the 2.3.5
    // captures), not a move: only the distribution changes are reassignment.
    rule!(295, "QueryNodeDistributionAdded", K::SegmentReassign, O::Milvus, T::Exact("sync action"), None, C::FieldContains("Action", "Add"), J::Field(&["currentNodeID"]), S::None, "2.2–2.5", "internal/querynode/impl.go, internal/querynodev2/services.go"), // §2b #156 SyncDistribution from QueryCoord
    rule!(302, "QueryNodeDistributionRemoved", K::SegmentReassign, O::Milvus, T::Exact("sync action"), None, C::FieldContains("Action", "Remove"), J::Field(&["currentNodeID"]), S::None, "2.2–2.5", "internal/querynode/impl.go, internal/querynodev2/services.go"), // §2b #156
    rule!(303, "QueryNodeDistributionSet", K::SegmentReassign, O::Milvus, T::Exact("sync action"), None, C::FieldContains("Action", "Set"), J::Field(&["currentNodeID"]), S::None, "2.3.0+", "internal/querynodev2/services.go"), // §2b #156
    // A load that failed, named only inside the error of a record of its own
    // wording (2.2's `shard cluster failed to load segments`): last of the
    // section, so that every row of its own text is tried first.
    rule!(296, "MilvusSegmentLoadFailureReported", K::SegmentReassign, O::Milvus, T::Any, None, C::FieldContains("error", "failed to load segment"), J::None, S::None, "2.2–2.5", "internal/querynode/impl_utils.go, internal/querycoordv2/task/executor.go"), // §2b #123 text inside `error` (milvus#20247)
    // ── message-queue replay (§2c) ──
    rule!(120, "MsgDispatcherSeekSucceeded", K::MqReplay, O::Milvus, T::Exact("seek successfully"), None, C::None, J::None, S::None, "2.3.0+", "pkg/mq/msgdispatcher/dispatcher.go"), // §2c #207
    rule!(121, "MsgDispatcherSeekFailed", K::MqReplay, O::Milvus, T::Exact("seek failed"), None, C::None, J::None, S::None, "2.3.0+", "pkg/mq/msgdispatcher/dispatcher.go"), // §2c #206
    rule!(122, "PipelineStreamSeeked", K::MqReplay, O::Milvus, T::Exact("stream pipeline seeks from position with msgDispatcher"), None, C::None, J::None, S::None, "2.3.0+", "internal/util/pipeline/stream_pipeline.go"), // §2c #218
    rule!(123, "MsgStreamSeekStarted", K::MqReplay, O::Milvus, T::Exact("MsgStream begin to seek start msg: "), None, C::None, J::None, S::None, "2.2–2.5", "pkg/mq/msgstream/mq_msgstream.go"), // §2c #209
    rule!(124, "MsgStreamSeekFinished", K::MqReplay, O::Milvus, T::Exact("MsgStream seek finished"), None, C::None, J::None, S::None, "2.2–2.5", "pkg/mq/msgstream/mq_msgstream.go"), // §2c #212
    rule!(125, "QueryNodeFlowGraphSeeked", K::MqReplay, O::Milvus, T::Exact("query node flow graph seeks from position"), None, C::None, J::None, S::None, "2.2", "internal/querynode/flow_graph_query_node.go"), // §2c #234
    rule!(126, "DataNodeDispatcherSeeked", K::MqReplay, O::Milvus, T::Exact("datanode seek successfully when register to msgDispatcher"), None, C::None, NODE, S::None, "2.3.5 (observed)", "internal/datanode/data_sync_service.go"), // observed, harness README kill-restart-1 step 12
    rule!(127, "DelegatorTsLagExceeded", K::MqReplay, O::Milvus, T::Exact("guarantee and serviceable ts larger than MaxLag"), None, C::None, J::None, S::TsafeWait, "2.3.0+", "internal/querynodev2/delegator/delegator.go"), // §2c #228
    rule!(128, "QueryNodeTsLagExceeded", K::MqReplay, O::Milvus, T::Exact("guarantee and servicable ts larger than MaxLag"), None, C::None, J::None, S::TsafeWait, "2.2", "internal/querynode/task_read.go"), // §2c #243
    rule!(129, "DelegatorSearchTsafeWaited", K::MqReplay, O::Milvus, T::Exact("delegator search failed to wait tsafe"), None, C::None, J::None, S::TsafeWait, "2.3.0+", "internal/querynodev2/delegator/delegator.go"), // §2c #229
    rule!(130, "DelegatorQueryTsafeWaited", K::MqReplay, O::Milvus, T::Exact("delegator query failed to wait tsafe"), None, C::None, J::None, S::TsafeWait, "2.3.0+", "internal/querynodev2/delegator/delegator.go"), // §2c #230
    rule!(297, "KafkaConsumeFailed", K::MqReplay, O::Milvus, T::Exact("consume msg failed"), Some("kafka"), C::None, J::None, S::None, "2.2–2.5", "pkg/mq/msgstream/mqwrapper/kafka/kafka_consumer.go"), // no message for 30 s (there is always a time tick): consumption stalled (milvus#26437)
    // ── meta recovery (§2e) ──
    rule!(140, "QueryCoordMetaRecoveryStarted", K::MetaRecovery, O::Milvus, T::Exact("recover meta..."), None, C::None, J::None, S::None, "2.2–2.5", "internal/querycoordv2/server.go"), // §2e #340
    rule!(141, "QueryCoordCollectionsRecovered", K::MetaRecovery, O::Milvus, T::Exact("recovering collections..."), None, C::None, J::None, S::None, "2.3.0+", "internal/querycoordv2/server.go"), // §2e #342
    rule!(142, "QueryCoordCollectionsReloaded", K::MetaRecovery, O::Milvus, T::Exact("recover collections and partitions from kv store"), None, C::None, J::None, S::None, "2.3.5+", "internal/querycoordv2/meta/collection_manager.go"), // §2e #341
    rule!(143, "QueryCoordReplicaRecovered", K::MetaRecovery, O::Milvus, T::Exact("recover replica"), None, C::None, J::None, S::None, "2.2–2.5", "internal/querycoordv2/meta/replica_manager.go"), // §2e #343
    rule!(144, "QueryCoordMetaInitialized", K::MetaRecovery, O::Milvus, T::Exact("QueryCoord server initMeta done"), None, C::None, J::None, S::MetaRecovered, "2.3.0+", "internal/querycoordv2/server.go"), // §2e #347
    rule!(145, "QueryCoordInitSucceeded", K::MetaRecovery, O::Milvus, T::Exact("QueryCoord init success"), None, C::None, J::None, S::MetaRecovered, "2.2–2.3.0", "internal/querycoordv2/server.go"), // §2e #350
    rule!(146, "QueryCoordInitFinished", K::MetaRecovery, O::Milvus, T::Exact("init querycoord done"), None, C::None, J::None, S::MetaRecovered, "2.3.5+", "internal/querycoordv2/server.go"), // §2e #349
    rule!(147, "QueryCoordDistRecoveryStarted", K::MetaRecovery, O::Milvus, T::Exact("start recovering dist and target"), None, C::None, J::None, S::None, "2.2–2.3.0", "internal/querycoordv2/server.go"), // §2e #352
    rule!(148, "QueryCoordTargetRecovered", K::MetaRecovery, O::Milvus, T::Exact("recover current target for collection"), None, C::None, J::None, S::None, "2.3.21+", "internal/querycoordv2/meta/target_manager.go"), // §2e #345
    // ── routing (§2d-2) ──
    rule!(160, "ProxyShardCacheExpired", K::RoutingUpdate, O::Milvus, T::Exact("expire all shard leader cache"), None, C::None, J::None, S::None, "2.2–2.3.21", "internal/proxy/meta_cache.go"), // §2d-2 #280
    rule!(161, "ProxyShardCacheMissed", K::RoutingUpdate, O::Milvus, T::Exact("no shard cache for collection, try to get shard leaders from QueryCoord"), None, C::None, J::None, S::None, "2.2–2.5", "internal/proxy/meta_cache.go"), // §2d-2 #274
    rule!(162, "ProxyShardCacheCleared", K::RoutingUpdate, O::Milvus, T::Exact("clearing shard cache for collection"), None, C::None, J::None, S::None, "2.2–2.4", "internal/proxy/meta_cache.go"), // §2d-2 #275
    rule!(163, "ProxyShardCacheDeprecated", K::RoutingUpdate, O::Milvus, T::Exact("deprecate shard cache for collection"), None, C::None, J::None, S::None, "2.5", "internal/proxy/meta_cache.go"), // §2d-2 #276
    rule!(164, "ProxyShardCacheInvalidated", K::RoutingUpdate, O::Milvus, T::Exact("Invalidate shard cache for collections"), None, C::None, J::None, S::None, "2.4+", "internal/proxy/meta_cache.go"), // §2d-2 #277
    rule!(165, "QueryCoordLeaderCacheTriggered", K::RoutingUpdate, O::Milvus, T::Exact("receive event, trigger leader cache update"), None, C::None, J::None, S::None, "2.4+", "internal/querycoordv2/observers/leader_cache_observer.go"), // §2b #193
    // ── gRPC between components (§2d-3) ──
    rule!(180, "GrpcClientCallFailed", K::GrpcError, O::Milvus, T::Exact("call received grpc error"), None, C::None, J::RoleSuffix(&["clientRole"]), S::None, "2.3.5+", "internal/util/grpcclient/client.go"), // §2d-3 #292
    rule!(181, "GrpcClientCallErrored", K::GrpcError, O::Milvus, T::Exact("ClientBase Call grpc call get error"), None, C::None, J::RoleSuffix(&["role"]), S::None, "2.3.5+", "internal/util/grpcclient/client.go"), // §2d-3 #305
    rule!(182, "GrpcClientConnectionReset", K::GrpcError, O::Milvus, T::Exact("start to reset connection because of specific reasons"), None, C::None, J::RoleSuffix(&["client_role"]), S::None, "2.3.5+", "internal/util/grpcclient/client.go"), // §2d-3 #294
    rule!(183, "GrpcClientServerMismatched", K::GrpcError, O::Milvus, T::Exact("server id mismatch, may connected to a old server, start to reset connection"), None, C::None, J::Field(&["client_node"]), S::None, "2.3.5+", "internal/util/grpcclient/client.go"), // §2d-3 #297
    rule!(184, "GrpcClientServerMismatchedV22", K::GrpcError, O::Milvus, T::Exact("Server ID mismatch, start to reset connection"), None, C::None, J::None, S::None, "2.2–2.3.0", "internal/util/grpcclient/client.go"), // §2d-3 #312
    rule!(185, "GrpcClientSessionUnverified", K::GrpcError, O::Milvus, T::Exact("failed to verify node session"), None, C::None, J::None, S::None, "2.3.5+", "internal/util/grpcclient/client.go"), // §2d-3 #296
    rule!(186, "GrpcClientSessionResetFailed", K::GrpcError, O::Milvus, T::Exact("failed to verify session, reset connection"), None, C::None, J::RoleSuffix(&["client_role"]), S::None, "2.3.5+", "internal/util/grpcclient/client.go"), // §2d-3 #295
    rule!(187, "GrpcClientFirstCallFailed", K::GrpcError, O::Milvus, T::Prefix("ClientBase Call grpc first call get error"), None, C::None, J::RoleSuffix(&["role"]), S::None, "2.2–2.3.0", "internal/util/grpcclient/client.go"), // §2d-3 #307
    rule!(188, "GrpcClientRecallFailed", K::GrpcError, O::Milvus, T::Prefix("ClientBase ReCall grpc "), None, C::None, J::RoleSuffix(&["role"]), S::None, "2.2–2.3.0", "internal/util/grpcclient/client.go"), // §2d-3 #308, #309
    rule!(189, "GrpcClientResetStarted", K::GrpcError, O::Milvus, T::Exact("ClientBase grpc error, start to reset connection"), None, C::None, J::None, S::None, "2.2–2.3.0", "internal/util/grpcclient/client.go"), // §2d-3 #310
    rule!(190, "RetryFuncFailed", K::GrpcError, O::Milvus, T::Exact("retry func failed"), Some("retry"), C::None, J::None, S::None, "2.3.5 (observed)", "pkg/util/retry/retry.go"), // observed, harness README kill-restart-1 step 6
    rule!(191, "ProxyShardQueryFailed", K::GrpcError, O::Milvus, T::Prefix("search/query channel failed"), None, C::None, NODE, S::None, "2.3.0+", "internal/proxy/lb_policy.go"), // §2d-2 #260, #261
    rule!(192, "ProxyQueryNodeSearchFailed", K::GrpcError, O::Milvus, T::Exact("QueryNode search return error"), None, C::None, NODE, S::None, "2.2–2.5", "internal/proxy/task_search.go"), // §2d-2 #264
    rule!(193, "ProxyNodeClientMissed", K::GrpcError, O::Milvus, T::Exact("failed to create client for node"), None, C::None, NODE, S::None, "2.4+", "internal/proxy/shard_client.go"), // §2d-2 #282
    rule!(298, "GrpcTransportConnectFailed", K::GrpcError, O::Milvus, T::Contains("addrConn.createTransport failed to connect"), Some("grpclog"), C::None, J::None, S::None, "2.2–2.5 (grpc-go through the Milvus logger)", "google.golang.org/grpc clientconn.go"), // §1 grpc-go internal logs (milvus#21439, #43708)
    // ── client-visible failures at the Proxy and in QueryCoord's answers (§2d-1, §2d-2) ──
    rule!(285, "ProxySearchSlowed", K::RequestSlow, O::Milvus, T::Exact("Search slow"), None, C::None, J::None, S::RequestSlow, "2.3.5 (observed)", "internal/proxy/impl.go"), // observed in freeze-ttl60-1: `proxy/impl.go` `[duration=10.0s]` at the failure of a timed-out search
    rule!(286, "ProxyQuerySlowed", K::RequestSlow, O::Milvus, T::Exact("Query slow"), None, C::None, J::None, S::RequestSlow, "2.3.5 (observed)", "internal/proxy/impl.go"), // observed in freeze-ttl60-1: `proxy/impl.go:2839` `[duration=10.000783686s]`
    rule!(200, "ProxyTaskFailed", K::ClientError, O::Milvus, T::Exact("Failed to execute task: "), None, C::None, J::None, S::ProxyFailure, "2.2–2.5", "internal/proxy/task_scheduler.go"), // §2d-2 #271
    rule!(201, "ProxyRequestFailed", K::ClientError, O::Milvus, T::Suffix(" failed to WaitToFinish"), None, C::None, J::None, S::ProxyFailure, "2.2–2.5", "internal/proxy/impl.go"), // §2d-2 #273
    rule!(202, "ProxyRequestEnqueueFailed", K::ClientError, O::Milvus, T::Suffix(" failed to enqueue"), None, C::None, J::None, S::None, "2.2–2.5", "internal/proxy/impl.go"), // §2d-2 #273
    rule!(203, "ProxyTaskPreExecuteFailed", K::ClientError, O::Milvus, T::Prefix("Failed to pre-execute task: "), None, C::None, J::None, S::None, "2.2–2.5", "internal/proxy/task_scheduler.go"), // §2d-2 #272
    rule!(204, "ProxyShardsFetchFailed", K::ClientError, O::Milvus, T::Exact("failed to get shards"), None, C::None, J::None, S::None, "2.3.0+", "internal/proxy/lb_policy.go"), // §2d-2 #262
    rule!(205, "ProxySearchExecuteFailed", K::ClientError, O::Milvus, T::Exact("search execute failed"), None, C::None, J::None, S::None, "2.3.0+", "internal/proxy/task_search.go"), // §2d-2 #269
    rule!(206, "ProxyQueryExecuteFailed", K::ClientError, O::Milvus, T::Exact("fail to execute query"), None, C::None, J::None, S::None, "2.3.0+", "internal/proxy/task_query.go"), // §2d-2 #270
    rule!(207, "ProxyDelegatorFetchFailed", K::ClientError, O::Milvus, T::Exact("failed to get shard delegator"), None, C::None, J::None, S::None, "2.3.0+", "internal/proxy/lb_policy.go"), // §2d-2 #256
    rule!(208, "ProxyDelegatorNotFound", K::ClientError, O::Milvus, T::Exact("no available shard delegator found"), None, C::None, J::None, S::None, "2.3.0+", "internal/proxy/lb_policy.go"), // §2d-2 #257
    rule!(209, "ProxyShardLeadersMissed", K::ClientError, O::Milvus, T::Exact("no shard leaders were available"), None, C::None, J::None, S::None, "2.2", "internal/proxy/task_policies.go"), // §2d-2 #285
    rule!(210, "QueryCoordChannelUnavailableFound", K::ClientError, O::Milvus, T::PrefixSuffix("channel ", " is not available in any replica"), None, C::None, J::None, S::None, "2.2–2.5", "internal/querycoordv2/services.go"), // §2d-1 #244
    rule!(211, "QueryCoordShardLeadersFailed", K::ClientError, O::Milvus, T::Exact("failed to GetShardLeaders"), None, C::None, J::None, S::None, "2.3.0+", "internal/querycoordv2/services.go"), // §2d-1 #253
    rule!(212, "QueryCoordChannelsFetchFailed", K::ClientError, O::Milvus, T::Exact("failed to get channels"), None, C::None, J::None, S::None, "2.3.5 (observed), 2.4+", "internal/querycoordv2/services.go"), // §2d-1 #254 + observed services.go:874
    rule!(213, "QueryCoordCollectionNotLoaded", K::ClientError, O::Milvus, T::PrefixSuffix("collection ", " is not fully loaded"), None, C::None, J::None, S::None, "2.2–2.5", "internal/querycoordv2/services.go"), // §2d-1 #255
    // ── client side ──
    rule!(220, "ClientRequestFailed", K::ClientError, O::ClientRequest, T::Any, None, C::Failed, J::None, S::ClientFailure, "harness client.jsonl", "shared/harness"), // one failed request
    rule!(221, "PymilvusRpcFailed", K::ClientError, O::ClientLog, T::Prefix("RPC error: ["), None, C::None, J::None, S::None, "pymilvus 2.3", "pymilvus/decorators.py"), // observed pymilvus.log
    rule!(222, "PymilvusGrpcFailed", K::ClientError, O::ClientLog, T::Prefix("grpc RpcError: ["), None, C::None, J::None, S::None, "pymilvus 2.3", "pymilvus/decorators.py"), // observed pymilvus.log
    rule!(304, "PymilvusExceptionRaised", K::ClientError, O::ClientLog, T::Contains("<MilvusException: (code="), None, C::None, J::None, S::None, "pymilvus 2.2–2.5", "pymilvus/exceptions.py"), // MilvusException.__str__; a traceback's last line `pymilvus.exceptions.MilvusException: <MilvusException: (code=…, message=…)>`
    // ── etcd trouble seen from Milvus ──
    rule!(240, "EtcdOperationSlowed", K::EtcdSlow, O::Milvus, T::Prefix("Slow etcd operation"), None, C::None, J::None, S::EtcdTrouble, "2.3.5 (observed)", "internal/kv/etcd/etcd_kv.go"), // observed, harness README etcd-stall-1
    rule!(241, "ConfigPullFailed", K::EtcdSlow, O::Milvus, T::Exact("can not pull configs"), None, C::None, J::None, S::EtcdTrouble, "2.3.5 (observed)", "pkg/config/refresher.go"), // observed, harness README etcd-stall-1
    rule!(242, "RootCoordImportLoadFailed", K::EtcdSlow, O::Milvus, T::Exact("import manager failed to load from Etcd"), None, C::None, J::None, S::EtcdTrouble, "2.3.5 (observed)", "internal/rootcoord/import_manager.go"), // observed, harness README etcd-stall-1
    rule!(243, "TsoUpdateFailed", K::EtcdSlow, O::Milvus, T::Exact("failed to update tso"), None, C::None, J::None, S::EtcdTrouble, "2.3.5 (observed)", "internal/tso/tso.go"), // observed, harness README etcd-stall-1 (TSO saved to etcd)
    rule!(244, "EtcdClientRetryFailed", K::EtcdSlow, O::EtcdClient, T::Exact("retrying of unary invoker failed"), None, C::None, J::None, S::EtcdTrouble, "client v3.5", "client/v3/retry_interceptor.go"), // §4.2 #408
    rule!(245, "TsoClockJumped", K::ClockJump, O::Milvus, T::Exact("clock offset is huge, check network latency and clock skew"), None, C::None, J::None, S::ClockJump, "2.2–2.5 (observed)", "internal/tso/tso.go"), // DESIGN.md outage evidence; observed in every 2.3.5 capture
    // ── memory (what an OOM kill took) ──
    rule!(311, "MilvusMemoryReported", K::MemoryUsage, O::Milvus, T::Exact("GC Tune done"), Some("gc"), C::FieldPresent("total memory"), J::None, S::MemoryReading, "2.2–2.5", "pkg/util/gc/gc_tuner.go"), // `total memory` is the process's memory in use, MB (toMB)
    // ── etcd server (§4.2) ──
    rule!(260, "EtcdApplySlowed", K::EtcdSlow, O::Etcd, T::Exact("apply request took too long"), None, C::None, J::None, S::EtcdTrouble, "3.4 (zap), 3.5", "server/etcdserver/util.go"), // §4.2 #378
    rule!(261, "EtcdRequestSlowed", K::EtcdSlow, O::Etcd, T::Contains(" took too long ("), None, C::None, J::None, S::EtcdTrouble, "3.4 capnslog", "etcdserver/util.go"), // §4.2 #379
    rule!(262, "EtcdFdatasyncSlowed", K::EtcdSlow, O::Etcd, T::Exact("slow fdatasync"), None, C::None, J::None, S::EtcdTrouble, "3.4 (zap), 3.5", "server/wal/wal.go"), // §4.2 #382
    rule!(263, "EtcdWalSyncSlowed", K::EtcdSlow, O::Etcd, T::Prefix("sync duration of "), None, C::None, J::None, S::EtcdTrouble, "3.4 capnslog", "wal/wal.go"), // §4.2 #383
    rule!(264, "EtcdHeartbeatDelayed", K::EtcdSlow, O::Etcd, T::Prefix("leader failed to send out heartbeat on time"), None, C::None, J::None, S::EtcdTrouble, "3.4 (zap), 3.5", "server/etcdserver/raft.go"), // §4.2 #384
    rule!(265, "EtcdHeartbeatDelayedV34", K::EtcdSlow, O::Etcd, T::Prefix("failed to send out heartbeat on time"), None, C::None, J::None, S::EtcdTrouble, "3.4 capnslog", "etcdserver/raft.go"), // §4.2 #385
    rule!(266, "EtcdOverloadWarned", K::EtcdSlow, O::Etcd, T::Exact("server is likely overloaded"), None, C::None, J::None, S::EtcdTrouble, "3.4 capnslog", "etcdserver/raft.go"), // §4.2 #386
    rule!(267, "EtcdReadIndexDelayed", K::EtcdSlow, O::Etcd, T::Prefix("waiting for ReadIndex response took too long"), None, C::None, J::None, S::EtcdTrouble, "3.4, 3.5", "server/etcdserver/v3_server.go"), // §4.2 #387, #388
    rule!(268, "EtcdReadIndexExpired", K::EtcdSlow, O::Etcd, T::Prefix("timed out waiting for read index response"), None, C::None, J::None, S::EtcdTrouble, "3.4 (zap), 3.5", "server/etcdserver/v3_server.go"), // §4.2 #389
    rule!(269, "EtcdRequestStatsLogged", K::EtcdSlow, O::Etcd, T::Exact("request stats"), None, C::None, J::None, S::EtcdTrouble, "3.5", "server/etcdserver/api/v3rpc/interceptor.go"), // §4.2 #381
    rule!(270, "EtcdLeaseRevokeFailed", K::EtcdSlow, O::Etcd, T::Exact("failed to revoke lease"), None, C::None, J::None, S::EtcdTrouble, "3.4 (zap), 3.5", "server/etcdserver/server.go"), // §4.2 #394
    rule!(299, "EtcdLeaseRevokeMissed", K::SessionLost, O::Etcd, T::Exact("failed to apply request"), None, C::FieldContains("error", "lease not found"), J::None, S::None, "3.4 (zap), 3.5", "server/etcdserver/util.go"), // warnOfFailedRequest: a lease revoked or kept alive after it expired (milvus#21408, #31175)
    rule!(300, "EtcdPeerConnectFailed", K::EtcdSlow, O::Etcd, T::Prefix("health check for peer "), None, C::None, J::None, S::None, "3.3–3.4 capnslog", "etcdserver/api/rafthttp/probing_status.go"), // a member cannot reach a peer (etcd#15488)
    rule!(301, "EtcdPeerClockDrifted", K::EtcdSlow, O::Etcd, T::Prefix("the clock difference against peer "), None, C::None, J::None, S::None, "3.3–3.4 capnslog", "etcdserver/api/rafthttp/probing_status.go"), // peer clock skew over 1 s (etcd#15488)
    rule!(280, "RaftLeaderBecame", K::EtcdLeaderChange, O::Etcd, T::Contains(" became leader at term "), None, C::None, J::None, S::None, "3.4, 3.5", "raft/raft.go"), // §4.2 #391
    rule!(281, "RaftLeaderElected", K::EtcdLeaderChange, O::Etcd, T::Contains(" elected leader "), None, C::None, J::None, S::None, "3.4, 3.5", "raft/node.go"), // §4.2 #392
    rule!(282, "RaftLeaderChanged", K::EtcdLeaderChange, O::Etcd, T::Contains(" changed leader from "), None, C::None, J::None, S::None, "3.4, 3.5", "raft/node.go"), // §4.2 #392
    rule!(283, "RaftLeaderLost", K::EtcdLeaderChange, O::Etcd, T::Contains(" lost leader "), None, C::None, J::None, S::None, "3.4, 3.5", "raft/node.go"), // §4.2 #392
    // ── Kubernetes (`kubectl describe pod`, pod_describe/) ──
    rule!(305, "KubernetesContainerOomKilled", K::ProcessExit, O::Kubernetes, T::Exact("OOMKilled"), None, C::None, J::None, S::ContainerTerminated, "Kubernetes", "kubectl describe pod (Reason of a Terminated state)"), // the kernel killed it at its memory limit (exit code 137)
    rule!(306, "KubernetesContainerErrored", K::ProcessExit, O::Kubernetes, T::Exact("Error"), None, C::None, J::None, S::ContainerTerminated, "Kubernetes", "kubectl describe pod (Reason of a Terminated state)"), // a non-zero exit (137 without OOMKilled: SIGKILL from outside)
    rule!(307, "KubernetesContainerCompleted", K::ProcessExit, O::Kubernetes, T::Exact("Completed"), None, C::None, J::None, S::ContainerTerminated, "Kubernetes", "kubectl describe pod (Reason of a Terminated state)"), // exit code 0
    rule!(308, "KubernetesContainerKilled", K::ProcessExit, O::Kubernetes, T::Any, None, C::FieldContains("reason", "Killing"), J::None, S::None, "Kubernetes", "kubectl describe pod (Events: Killing)"), // the kubelet stops the container (liveness probe, deletion)
    rule!(309, "KubernetesRestartDelayed", K::ProcessExit, O::Kubernetes, T::Any, None, C::FieldContains("reason", "BackOff"), J::None, S::None, "Kubernetes", "kubectl describe pod (Events: BackOff)"), // `Back-off restarting failed container`: it keeps dying
    rule!(310, "KubernetesProbeFailed", K::HeartbeatMiss, O::Kubernetes, T::Any, None, C::FieldContains("reason", "Unhealthy"), J::None, S::None, "Kubernetes", "kubectl describe pod (Events: Unhealthy)"), // `Liveness probe failed: …`, `Readiness probe failed: …`
    // Markers for any other line of 2.2's config loading: last, so that no
    // row above loses a line to them.
    rule!(15, "ConfigParamsLoaded", K::ProcessStart, O::Milvus, T::Any, Some("paramtable"), C::None, J::None, S::ConfigLoading, "2.2", "pkg/util/paramtable"), // 2.2 start-up (config loading before `starting running Milvus components`)
    rule!(16, "ConfigSourceLoaded", K::ProcessStart, O::Milvus, T::Any, Some("config"), C::None, J::None, S::ConfigLoading, "2.2", "pkg/config"), // 2.2 start-up (`config/etcd_source.go`)
];

/// One rendering of stale liveness in an error text: work routed to a node
/// id that is no longer the process answering, or an answer made from an
/// old heartbeat (catalogue §2d-1, harness README trap 12).
#[derive(Debug)]
pub struct StaleWording {
    /// A regex with one capture group: the node id.
    pub pattern: &'static str,
    /// A plain substring every match contains (a cheap test first).
    pub needle: &'static str,
    /// Judged from an old heartbeat rather than an old session.
    pub heartbeat: bool,
    /// Versions that write it.
    pub versions: &'static str,
    /// Source file of the string.
    pub file: &'static str,
}

/// Stale-liveness renderings of every version.
#[rustfmt::skip]
pub static STALE_WORDINGS: &[StaleWording] = &[
    StaleWording { pattern: r"expectedNodeID=(\d+)", needle: "expectedNodeID=", heartbeat: false, versions: "2.3.4+ `node not match[expectedNodeID=1][actualNodeID=2]` (§2d-1 rendering table); 2.3.0–2.3.3 `expectedNodeID=1, actualNodeID=2: node not match` (observed, 2.3.3 capture)", file: "pkg/util/merr/utils.go" },
    StaleWording { pattern: r"expected=%!s\(int64=(\d+)\)", needle: "expected=%!s(int64=", heartbeat: false, versions: "2.2 `expected=%!s(int64=1), actual=%!s(int64=9): server ID mismatch` (observed, 2.2.16 capture)", file: "2.2 grpc server interceptor (observed)" },
    StaleWording { pattern: r"lastHB=.*?: node offline\[node=(\d+)\]", needle: "lastHB=", heartbeat: true, versions: "2.3.4–2.3.5 (§2d-1: removed in 2.3.6)", file: "internal/querycoordv2/handlers.go" },
    StaleWording { pattern: r"lastHB=.*?: node=(\d+): node offline", needle: "lastHB=", heartbeat: true, versions: "2.3.0–2.3.3 (§2d-1)", file: "internal/querycoordv2/handlers.go" },
];

/// Fields in which a gRPC client line names the role it called
/// (`grpcclient/client.go`, `retry/retry.go`: `clientRole`, `client_role`;
/// `ClientBase Call grpc call get error`: `role`; 2.2–2.5, observed in the
/// 2.2.16, 2.3.3 and 2.3.5 captures).
pub static CALL_ROLE_FIELDS: &[&str] = &["clientRole", "client_role", "role"];

/// Called roles on the client-visible query path: Proxy → shard leader /
/// QueryNode (`clientRole=querynode-1`). Calls to any other role are
/// between coordinators and answer no client (DESIGN.md rule 2).
pub static QUERY_PATH_ROLES: &[&str] = &["querynode"];

/// Texts of a call that a process makes while it starts up, to the previous
/// incarnation's session: it answers no client (DESIGN.md rule 2).
#[rustfmt::skip]
pub static STARTUP_CALL_MARKS: &[StartupMark] = &[
    StartupMark { text: "actualNodeID=0", versions: "2.3.4+ `node not match[expectedNodeID=1][actualNodeID=0]`, 2.3.0–2.3.3 `expectedNodeID=1, actualNodeID=0: node not match`", file: "pkg/util/merr/utils.go" },
    StartupMark { text: "actual=%!s(int64=0)", versions: "2.2 `expected=%!s(int64=1), actual=%!s(int64=0): server ID mismatch`", file: "2.2 grpc server interceptor (observed)" },
    StartupMark { text: "RefreshPolicyInfoCache failed", versions: "2.3.5 (observed: RootCoord's start-up refresh of the Proxy's policy cache, kill-restart-1)", file: "internal/rootcoord/root_coord.go" },
];

/// A text that marks a call made while a process starts up.
#[derive(Debug)]
pub struct StartupMark {
    /// Text the line contains.
    pub text: &'static str,
    /// Versions that write it.
    pub versions: &'static str,
    /// Source file of the string.
    pub file: &'static str,
}

/// Client-side error texts of a request that no Milvus process answered:
/// the connection was refused or the deadline passed before any answer
/// (gRPC status texts as pymilvus 2.2–2.4 writes them). A failure without
/// any of them was answered by the Proxy.
#[rustfmt::skip]
pub static UNANSWERED_WORDINGS: &[&str] = &[
    "Connection refused",
    "failed to connect to all addresses",
    "StatusCode.UNAVAILABLE",
    "StatusCode.DEADLINE_EXCEEDED",
    "Deadline Exceeded",
];

/// A message whose text names the role that logs it, for lines logged with
/// the bogus caller `runtime/asm_amd64.s:NNNN` (loggers created before the
/// file logger, trap 1 of the harness README).
#[derive(Debug)]
pub struct RoleByMessage {
    /// Text the message contains.
    pub text: &'static str,
    /// The role whose code logs it.
    pub role: crate::component::Component,
    /// Versions that write it.
    pub versions: &'static str,
    /// Source file of the string.
    pub file: &'static str,
}

macro_rules! role {
    ($text:expr, $role:ident, $versions:expr, $file:expr) => {
        RoleByMessage {
            text: $text,
            role: crate::component::Component::$role,
            versions: $versions,
            file: $file,
        }
    };
}

/// Roles of lines whose caller tells nothing, by message text (Milvus 2.3.5 call sites).
#[rustfmt::skip]
pub static ROLE_BY_MESSAGE: &[RoleByMessage] = &[
    role!("expire all shard leader cache", Proxy, "2.3.5", "internal/proxy/meta_cache.go"),
    role!("Failed to execute task: ", Proxy, "2.3.5", "internal/proxy/task_scheduler.go"),
    role!(" failed to WaitToFinish", Proxy, "2.3.5", "internal/proxy/impl.go"), // `<Method> failed to WaitToFinish`
    role!("stop periodically update meta cache", Proxy, "2.3.5", "internal/proxy/meta_cache.go"),
    role!("leader is not available", Proxy, "2.3.5", "internal/proxy/lb_policy.go"),
    role!("start dist handler", Querycoord, "2.3.5", "internal/querycoordv2/dist/dist_handler.go"),
    role!("close dist handler", Querycoord, "2.3.5", "internal/querycoordv2/dist/dist_handler.go"),
    role!("failed to get data distribution", Querycoord, "2.3.5", "internal/querycoordv2/dist/dist_handler.go"),
    role!("Start check query node health loop", Querycoord, "2.3.5", "internal/querycoordv2/server.go"),
    role!("worker failed to load segments", Querynode, "2.3.5", "internal/querynodev2/delegator/delegator.go"),
    role!("index builder schedule loop start", Datacoord, "2.3.5", "internal/datacoord/index_builder.go"),
    role!("failed to update tso", Rootcoord, "2.3.5", "internal/rootcoord/root_coord.go"),
    role!("quotaCenter sync metrics failed", Rootcoord, "2.3.5", "internal/rootcoord/quota_center.go"),
    role!("invalid metrics of ", Rootcoord, "2.3.5", "internal/rootcoord/quota_center.go"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Component words a rule name may start with.
    const COMPONENTS: &[&str] = &[
        "Milvus",
        "Session",
        "QueryCoord",
        "QueryNode",
        "Proxy",
        "DataCoord",
        "DataNode",
        "RootCoord",
        "GrpcClient",
        "Retry",
        "MsgDispatcher",
        "MsgStream",
        "Kafka",
        "Grpc",
        "Pipeline",
        "Delegator",
        "Tso",
        "Config",
        "Etcd",
        "EtcdClient",
        "Raft",
        "Client",
        "Pymilvus",
        "Go",
        "Component",
        "Kubernetes",
    ];
    /// Irregular past tenses allowed as the last word.
    const IRREGULAR: &[&str] = &[
        "Lost", "Found", "Became", "Kept", "Sent", "Made", "Reset", "Set", "Put", "Read",
    ];

    fn words(name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in name.chars() {
            if c.is_ascii_uppercase() || out.is_empty() {
                out.push(c.to_string());
            } else if let Some(w) = out.last_mut() {
                w.push(c);
            }
        }
        out
    }

    #[test]
    fn names_are_component_subject_past_tense_verb() {
        for r in RULES {
            assert!(
                r.name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                r.name
            );
            let comp = COMPONENTS
                .iter()
                .filter(|c| r.name.starts_with(*c))
                .max_by_key(|c| c.len())
                .unwrap_or_else(|| panic!("{}: no component word first", r.name));
            let rest = &r.name[comp.len()..];
            let w = words(
                rest.trim_end_matches(char::is_numeric)
                    .trim_end_matches("V"),
            );
            assert!(w.len() >= 2, "{}: needs a subject and a verb", r.name);
            let verb = w.last().unwrap();
            assert!(
                verb.ends_with("ed") || IRREGULAR.contains(&verb.as_str()),
                "{}: last word {verb} is not a past-tense verb",
                r.name
            );
        }
    }

    #[test]
    fn ids_and_names_are_unique_and_registered() {
        let mut ids = BTreeMap::new();
        let mut names = BTreeMap::new();
        for r in RULES {
            assert!(ids.insert(r.id, r.name).is_none(), "id {} used twice", r.id);
            assert!(
                names.insert(r.name, r.id).is_none(),
                "name {} used twice",
                r.name
            );
            assert!(!r.versions.is_empty() && !r.file.is_empty(), "{}", r.name);
        }
        // The register: every id ever given keeps its name; new rules append.
        let register = include_str!("rule_ids.txt");
        let mut registered = BTreeMap::new();
        for line in register
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (id, name) = line.split_once(' ').expect("`id name` lines");
            let id: u16 = id.parse().expect("numeric id");
            assert!(
                registered.insert(id, name).is_none(),
                "register lists {id} twice"
            );
        }
        for (id, name) in &ids {
            assert_eq!(
                registered.get(id),
                Some(name),
                "rule {id} {name} is not in src/recognise/rule_ids.txt as registered"
            );
        }
    }

    #[test]
    fn exact_texts_are_not_trimmed_copies() {
        // Trailing spaces are part of the source strings (catalogue §6.3).
        let texts: Vec<&str> = RULES
            .iter()
            .filter_map(|r| match r.text {
                TextMatch::Exact(t) => Some(t),
                _ => None,
            })
            .collect();
        assert!(texts.contains(&"Failed to execute task: "));
        assert!(texts.contains(&"MsgStream begin to seek start msg: "));
        assert!(texts.contains(&"query node  is unreachable, skip it"));
    }
}
