//! Milvus roles and the rules that name the component of a source or a line.
//!
//! A source's component comes from its pod or file name; inside a standalone
//! or mix-coord stream each line's component comes from its caller directory
//! (catalogue §1.4), or, for the lines whose caller is the bogus
//! `runtime/asm_amd64.s:NNNN`, from the message. The rules are tables of data.

use serde::Serialize;

/// A component of a Milvus deployment, or a neighbour found in a bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Component {
    /// QueryCoord.
    Querycoord,
    /// QueryNode.
    Querynode,
    /// Proxy.
    Proxy,
    /// DataCoord.
    Datacoord,
    /// DataNode.
    Datanode,
    /// RootCoord.
    Rootcoord,
    /// IndexCoord (2.2; merged into DataCoord in 2.3).
    Indexcoord,
    /// IndexNode.
    Indexnode,
    /// The mix-coord process (`mixture` role): every coordinator in one.
    Mixcoord,
    /// The standalone process: every role in one.
    Standalone,
    /// A Milvus process whose role the name does not tell.
    Milvus,
    /// etcd.
    Etcd,
    /// A client (SDK logs, request logs).
    Client,
    /// MinIO.
    Minio,
    /// Pulsar.
    Pulsar,
    /// Kafka.
    Kafka,
    /// Kubernetes' own account of a pod (`kubectl describe pod`).
    Kubernetes,
    /// Anything else.
    Other,
}

impl Component {
    /// Lower-case id, as in JSON and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Component::Querycoord => "querycoord",
            Component::Querynode => "querynode",
            Component::Proxy => "proxy",
            Component::Datacoord => "datacoord",
            Component::Datanode => "datanode",
            Component::Rootcoord => "rootcoord",
            Component::Indexcoord => "indexcoord",
            Component::Indexnode => "indexnode",
            Component::Mixcoord => "mixcoord",
            Component::Standalone => "standalone",
            Component::Milvus => "milvus",
            Component::Etcd => "etcd",
            Component::Client => "client",
            Component::Minio => "minio",
            Component::Pulsar => "pulsar",
            Component::Kafka => "kafka",
            Component::Kubernetes => "kubernetes",
            Component::Other => "other",
        }
    }

    /// Every component, for `--component` validation and did-you-mean.
    pub const ALL: [Component; 18] = [
        Component::Querycoord,
        Component::Querynode,
        Component::Proxy,
        Component::Datacoord,
        Component::Datanode,
        Component::Rootcoord,
        Component::Indexcoord,
        Component::Indexnode,
        Component::Mixcoord,
        Component::Standalone,
        Component::Milvus,
        Component::Etcd,
        Component::Client,
        Component::Minio,
        Component::Pulsar,
        Component::Kafka,
        Component::Kubernetes,
        Component::Other,
    ];

    /// The role of a process from the roles it registered (the `name` of its
    /// sessions): one role is that role (2.3's DataCoord also registers an
    /// `indexcoord` session); the three coordinators are mix-coord; a
    /// coordinator with a node or the Proxy is standalone. `None` when it
    /// registered none.
    pub fn of_registered(roles: &[Component]) -> Option<Component> {
        let mut distinct: Vec<Component> = roles
            .iter()
            .map(|r| match r {
                Component::Indexcoord if roles.contains(&Component::Datacoord) => {
                    Component::Datacoord
                }
                r => *r,
            })
            .collect();
        distinct.sort();
        distinct.dedup();
        let coordinator = |c: &Component| {
            matches!(
                c,
                Component::Rootcoord
                    | Component::Datacoord
                    | Component::Querycoord
                    | Component::Indexcoord
            )
        };
        match distinct.as_slice() {
            [] => None,
            [one] => Some(*one),
            all if all.iter().all(coordinator) => Some(Component::Mixcoord),
            _ => Some(Component::Standalone),
        }
    }

    /// Parses an id (also accepts `mixture`, Milvus' name for mix-coord).
    pub fn from_id(s: &str) -> Option<Component> {
        let s = s.to_ascii_lowercase();
        if s == "mixture" {
            return Some(Component::Mixcoord);
        }
        Component::ALL.into_iter().find(|c| c.id() == s)
    }

    /// True for processes that host several roles, whose lines are told apart
    /// by caller.
    pub fn is_multi_role(self) -> bool {
        matches!(
            self,
            Component::Standalone | Component::Mixcoord | Component::Milvus
        )
    }

    /// True for Milvus server processes.
    pub fn is_milvus(self) -> bool {
        !matches!(
            self,
            Component::Etcd
                | Component::Client
                | Component::Minio
                | Component::Pulsar
                | Component::Kafka
                | Component::Kubernetes
                | Component::Other
        )
    }
}

/// Name fragments of pods and files, most specific first. A pod is named
/// `<release>-milvus-<role>-<hash>`; file logs are `<role>-<nodeID>.log`
/// (catalogue §1.4 and §3).
const NAME_RULES: &[(&str, Component)] = &[
    ("querycoord", Component::Querycoord),
    ("querynode", Component::Querynode),
    ("proxy", Component::Proxy),
    ("datacoord", Component::Datacoord),
    ("datanode", Component::Datanode),
    ("rootcoord", Component::Rootcoord),
    ("indexcoord", Component::Indexcoord),
    ("indexnode", Component::Indexnode),
    ("mixcoord", Component::Mixcoord),
    ("mixture", Component::Mixcoord),
    ("standalone", Component::Standalone),
    ("embedded", Component::Standalone),
    ("etcd", Component::Etcd),
    ("minio", Component::Minio),
    ("pulsar", Component::Pulsar),
    ("bookie", Component::Pulsar),
    ("zookeeper", Component::Pulsar),
    ("kafka", Component::Kafka),
    ("pymilvus", Component::Client),
    ("client", Component::Client),
    ("milvus", Component::Milvus),
];

/// The component a path names (file name first, then its folders).
pub fn from_path(path: &str) -> Component {
    // `export-milvus-log.sh` puts each pod's `kubectl describe` there,
    // named after the pod: Kubernetes' account, not the pod's own log.
    if path.split('/').any(|p| p == "pod_describe") {
        return Component::Kubernetes;
    }
    path.rsplit('/')
        .map(from_name)
        .find(|c| *c != Component::Other)
        .unwrap_or(Component::Other)
}

/// The component one name (a file, a pod, a compose service) contains,
/// compared without case and without allocating.
pub fn from_name(name: &str) -> Component {
    let has = |frag: &str| {
        name.as_bytes()
            .windows(frag.len())
            .any(|w| w.eq_ignore_ascii_case(frag.as_bytes()))
    };
    NAME_RULES
        .iter()
        .find(|(frag, _)| has(frag))
        .map(|(_, c)| *c)
        .unwrap_or(Component::Other)
}

/// Caller leaf directories and the role they belong to (catalogue §1.4,
/// unique in 2.4 unless noted; `pipeline/`, `meta/`, `utils/`, `client/`
/// are ambiguous and so absent).
const CALLER_RULES: &[(&str, Component)] = &[
    // QueryCoord (internal/querycoordv2/..., 2.2 internal/querycoord)
    ("querycoordv2/", Component::Querycoord),
    ("querycoord/", Component::Querycoord),
    ("checkers/", Component::Querycoord),
    ("task/", Component::Querycoord),
    ("dist/", Component::Querycoord),
    ("observers/", Component::Querycoord),
    ("job/", Component::Querycoord),
    ("balance/", Component::Querycoord),
    ("session/", Component::Querycoord),
    // QueryNode 2.3+ (internal/querynodev2/...) and 2.2 (internal/querynode)
    ("querynodev2/", Component::Querynode),
    ("querynode/", Component::Querynode),
    ("delegator/", Component::Querynode),
    ("segments/", Component::Querynode),
    ("tasks/", Component::Querynode),
    ("tsafe/", Component::Querynode),
    ("cluster/", Component::Querynode),
    ("pkoracle/", Component::Querynode),
    ("deletebuffer/", Component::Querynode),
    ("optimizers/", Component::Querynode),
    ("collector/", Component::Querynode),
    // Proxy
    ("proxy/", Component::Proxy),
    ("accesslog/", Component::Proxy),
    ("connection/", Component::Proxy),
    // Data, root and index roles
    ("datacoord/", Component::Datacoord),
    ("datanode/", Component::Datanode),
    ("rootcoord/", Component::Rootcoord),
    ("tso/", Component::Rootcoord),
    ("indexcoord/", Component::Indexcoord),
    ("indexnode/", Component::Indexnode),
];

/// The role of a caller such as `querycoordv2/server.go:748`, if its
/// directory tells.
pub fn from_caller(caller: &str) -> Option<Component> {
    CALLER_RULES
        .iter()
        .find(|(dir, _)| caller.starts_with(dir))
        .map(|(_, c)| *c)
}

/// The role that logs `message`, for lines whose caller tells nothing.
/// The texts are rows of the recognition table
/// ([`crate::recognise::rules::ROLE_BY_MESSAGE`]).
pub fn from_message(message: &str) -> Option<Component> {
    crate::recognise::rules::ROLE_BY_MESSAGE
        .iter()
        .find(|row| message.contains(row.text))
        .map(|row| row.role)
}

/// Component of one line of a source whose own component is `source`.
pub fn of_line(source: Component, caller: &str, message: &str) -> Component {
    if !source.is_multi_role() {
        return source;
    }
    if caller.starts_with("runtime/") {
        return from_message(message).unwrap_or(source);
    }
    from_caller(caller).unwrap_or(source)
}

#[cfg(test)]
mod tests {

    #[test]
    fn role_from_the_sessions_a_process_registered() {
        use Component as C;
        assert_eq!(C::of_registered(&[]), None);
        assert_eq!(C::of_registered(&[C::Querynode]), Some(C::Querynode));
        // 2.3 DataCoord registers datacoord and indexcoord (cluster capture).
        assert_eq!(
            C::of_registered(&[C::Datacoord, C::Indexcoord]),
            Some(C::Datacoord)
        );
        assert_eq!(
            C::of_registered(&[C::Rootcoord, C::Datacoord, C::Querycoord, C::Indexcoord]),
            Some(C::Mixcoord)
        );
        // 2.3 standalone: every role under one id (kill-restart-1).
        assert_eq!(
            C::of_registered(&[C::Rootcoord, C::Querynode, C::Indexnode, C::Proxy]),
            Some(C::Standalone)
        );
    }

    use super::*;

    #[test]
    fn names_of_pods_and_files() {
        assert_eq!(
            from_path("pod_log/my-release-milvus-querynode-5d8f7c-abcde.log"),
            Component::Querynode
        );
        assert_eq!(
            from_path("milvus/standalone-2-2026-11-26T04-43-28.704.log"),
            Component::Standalone
        );
        assert_eq!(from_path("pod_log/my-release-etcd-0.log"), Component::Etcd);
        assert_eq!(from_path("milvus/milvus-stdout.log"), Component::Milvus);
        assert_eq!(from_path("client/client.jsonl"), Component::Client);
        assert_eq!(from_path("etcd/etcd.log"), Component::Etcd);
        assert_eq!(from_path("mixture-3.log"), Component::Mixcoord);
    }

    #[test]
    fn lines_of_a_standalone_stream() {
        let s = Component::Standalone;
        assert_eq!(
            of_line(s, "querycoordv2/server.go:748", "a node down, remove it"),
            Component::Querycoord
        );
        assert_eq!(
            of_line(
                s,
                "sessionutil/session_util.go:908",
                "register session success"
            ),
            s
        );
        assert_eq!(
            of_line(
                s,
                "runtime/asm_amd64.s:1598",
                "expire all shard leader cache"
            ),
            Component::Proxy
        );
        assert_eq!(
            of_line(
                s,
                "runtime/asm_amd64.s:1598",
                "Search failed to WaitToFinish"
            ),
            Component::Proxy
        );
        assert_eq!(
            of_line(Component::Querynode, "proxy/x.go:1", "m"),
            Component::Querynode
        );
    }
}
