//! Identity: which server id was which role, at which address, in which
//! process incarnation, over time.
//!
//! A Milvus process registers one session per role (`start server`
//! `[name][address][id]` in 2.3+, `Service registered successfully`
//! `[ServerName][serverID]` in every version). In 2.3+ a standalone gives all
//! its roles one id; 2.2 gives each role its own (QueryNode 4 becomes 12). A
//! restarted process on the same address is the same *place* with a new id;
//! an old id seen after its incarnation ended is a stale session.
//!
//! Must not know: windows, causes.

use crate::recognise::rules::Signal;
use crate::recognise::Event;
use crate::timeline::Timeline;
use serde::Serialize;

/// One registered server id.
#[derive(Clone, Debug, Serialize)]
pub struct NodeIdentity {
    /// Server id (as a string in JSON).
    #[serde(serialize_with = "as_string")]
    pub id: u32,
    /// Roles registered with that id (`querynode`, `proxy`, …).
    pub roles: Vec<String>,
    /// Advertised address of the first role that logged one.
    pub address: Option<String>,
    /// Advertised address per role.
    pub addresses: std::collections::BTreeMap<String, String>,
    /// The earlier server id that had a role of this one at the same address:
    /// the same place, restarted with a new id.
    #[serde(serialize_with = "opt_string")]
    pub replaces: Option<u32>,
    /// `replaces` is the same place (its address or process slot), not a
    /// new pod of the same Deployment at a new address.
    #[serde(skip)]
    pub same_place: bool,
    /// Process incarnation that registered it.
    pub incarnation: Option<u32>,
    /// First registration, UTC µs.
    #[serde(skip)]
    pub first_us: i64,
}

fn as_string<S: serde::Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

fn opt_string<S: serde::Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(id) => s.serialize_str(&id.to_string()),
        None => s.serialize_none(),
    }
}

/// Every server id of the bundle.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    /// By first registration.
    pub nodes: Vec<NodeIdentity>,
    /// Server id → index in `nodes` (the first registration of that id).
    by_id: std::collections::HashMap<u32, usize>,
    /// Incarnation → the server ids it registered.
    by_incarnation: std::collections::HashMap<u32, Vec<u32>>,
}

/// Where a node's process ran: its place (process group; a standalone's
/// folder), the Deployment its pod belongs to, and when it ran.
struct Place {
    /// The bundle, when several were given: no place is in two.
    bundle: Option<String>,
    group: String,
    deployment: Option<String>,
    start_us: i64,
    end_us: i64,
}

/// The Deployment of a pod named as Kubernetes names a ReplicaSet's pods,
/// `<deployment>-<replicaset hash>-<5 characters>`: the name without its
/// last part (`my-release-milvus-querynode-8mpr24jv4c-z672r` →
/// `…-querynode-8mpr24jv4c`). `None` for a name not like that.
fn deployment_of(pod: &str) -> Option<&str> {
    let (head, tail) = pod.rsplit_once('-')?;
    let (_, hash) = head.rsplit_once('-')?;
    let alnum = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    (tail.len() == 5 && alnum(tail) && (9..=10).contains(&hash.len()) && alnum(hash))
        .then_some(head)
}

/// A node replaces the latest earlier one that advertised one of its roles
/// at the same address; where no address was logged (2.2 registers without
/// one), the latest earlier one with one of its roles in an earlier
/// incarnation of the same process group (same pod or folder). Else, a pod
/// replaces the pod of its Deployment, with one of its roles, whose last
/// line came before it started (a killed pod replaced by a new pod at a new
/// address): not the same place, the same part of the cluster.
fn link_same_places(nodes: &mut [NodeIdentity], places: &[Option<Place>]) {
    let groups: Vec<Option<&str>> = places
        .iter()
        .map(|p| p.as_ref().map(|p| p.group.as_str()))
        .collect();
    for i in 0..nodes.len() {
        let (earlier, rest) = nodes.split_at_mut(i);
        let n = &mut rest[0];
        // Two bundles are two incidents: the same address is no place.
        let same_bundle = |j: usize| {
            places[i].as_ref().map(|p| &p.bundle) == places[j].as_ref().map(|p| &p.bundle)
        };
        let same_address = |(j, o): &(usize, &NodeIdentity)| {
            same_bundle(*j)
                && n.addresses
                    .iter()
                    .any(|(role, addr)| o.addresses.get(role) == Some(addr))
        };
        let same_slot = |(j, o): &(usize, &NodeIdentity)| {
            groups[i].is_some()
                && groups[*j] == groups[i]
                && o.incarnation < n.incarnation
                && o.roles.iter().any(|r| n.roles.contains(r))
        };
        let same_deployment = |(j, o): &(usize, &NodeIdentity)| {
            let (Some(me), Some(old)) = (&places[i], &places[*j]) else {
                return false;
            };
            me.deployment.is_some()
                && me.bundle == old.bundle
                && me.deployment == old.deployment
                && me.group != old.group
                && old.end_us <= me.start_us
                && o.roles.iter().any(|r| n.roles.contains(r))
        };
        let place = earlier
            .iter()
            .enumerate()
            .rev()
            .find(|x| x.1.id != n.id && same_address(x))
            .map(|(_, o)| o)
            .or_else(|| {
                earlier
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|x| x.1.id != n.id && x.1.addresses.is_empty() && same_slot(x))
                    .map(|(_, o)| o)
            })
            .map(|o| o.id);
        let taken: Vec<u32> = earlier.iter().filter_map(|o| o.replaces).collect();
        let pod = || {
            earlier
                .iter()
                .enumerate()
                .rev()
                .find(|x| x.1.id != n.id && !taken.contains(&x.1.id) && same_deployment(x))
                .map(|(_, o)| o.id)
        };
        n.same_place = place.is_some();
        n.replaces = place.or_else(pod);
    }
}

impl Identity {
    /// Reads the registration events.
    pub fn build(t: &Timeline, events: &[Event]) -> Identity {
        let mut nodes: Vec<NodeIdentity> = Vec::new();
        for e in events.iter().filter(|e| e.signal() == Signal::Registered) {
            let Some(id) = e.subject() else { continue };
            let (src, r) = t.record(e.at);
            let role = src
                .field(r, "name")
                .or_else(|| src.field(r, "ServerName"))
                .map(|v| v.to_lowercase());
            let address = src.field(r, "address").map(|v| v.into_owned());
            let n = match nodes.iter_mut().find(|n| n.id == id) {
                Some(n) => n,
                None => {
                    nodes.push(NodeIdentity {
                        id,
                        roles: Vec::new(),
                        address: None,
                        addresses: Default::default(),
                        replaces: None,
                        same_place: false,
                        incarnation: r.incarnation(),
                        first_us: e.ts,
                    });
                    nodes.last_mut().expect("just pushed")
                }
            };
            if let Some(role) = role {
                if let Some(a) = &address {
                    n.addresses.entry(role.clone()).or_insert_with(|| a.clone());
                }
                if !n.roles.contains(&role) {
                    n.roles.push(role);
                }
            }
            if n.address.is_none() {
                n.address = address;
            }
            if n.incarnation.is_none() {
                n.incarnation = r.incarnation();
            }
        }
        // A process whose registration lines were not captured still has the
        // id the timeline found for it (file name, `Set log file to`).
        for inc in &t.incarnations {
            if let Some(id) = inc.node_id {
                if !nodes.iter().any(|n| n.id == id) {
                    nodes.push(NodeIdentity {
                        id,
                        roles: vec![inc.component.id().to_string()],
                        address: None,
                        addresses: Default::default(),
                        replaces: None,
                        same_place: false,
                        incarnation: Some(inc.id),
                        first_us: inc.start_us,
                    });
                }
            }
        }
        nodes.sort_by_key(|n| (n.first_us, n.id));
        // A process's place: its group (pod, files); a standalone process is
        // the one of its folder, whatever its files are called.
        let place_of = |inc: Option<u32>| {
            inc.and_then(|i| t.incarnations.get(i as usize)).map(|i| {
                let group = match (i.component, i.group.split_once('|')) {
                    (crate::component::Component::Standalone, Some((folder, _))) => {
                        format!("{folder}|standalone")
                    }
                    _ => i.group.clone(),
                };
                let pod = i.group.rsplit('|').next().unwrap_or(&i.group);
                Place {
                    bundle: t.bundle_of(&i.group).map(str::to_string),
                    deployment: deployment_of(pod).map(str::to_string),
                    group,
                    start_us: i.start_us,
                    end_us: i.end_us,
                }
            })
        };
        let places: Vec<Option<Place>> = nodes.iter().map(|n| place_of(n.incarnation)).collect();
        link_same_places(&mut nodes, &places);
        Identity::indexed(nodes)
    }

    /// The identity of these nodes, with its lookups built once.
    pub(crate) fn indexed(nodes: Vec<NodeIdentity>) -> Identity {
        let mut by_id = std::collections::HashMap::new();
        let mut by_incarnation: std::collections::HashMap<u32, Vec<u32>> =
            std::collections::HashMap::new();
        for (i, n) in nodes.iter().enumerate() {
            by_id.entry(n.id).or_insert(i);
            if let Some(inc) = n.incarnation {
                by_incarnation.entry(inc).or_default().push(n.id);
            }
        }
        Identity {
            nodes,
            by_id,
            by_incarnation,
        }
    }

    /// The node registered with a server id (its first registration).
    pub fn node(&self, id: u32) -> Option<&NodeIdentity> {
        self.by_id.get(&id).map(|i| &self.nodes[*i])
    }

    /// Server ids registered by a process incarnation.
    pub fn ids_of(&self, incarnation: u32) -> &[u32] {
        self.by_incarnation
            .get(&incarnation)
            .map_or(&[], Vec::as_slice)
    }

    /// The incarnation that registered a server id.
    pub fn incarnation_of(&self, id: u32) -> Option<u32> {
        self.node(id)?.incarnation
    }

    /// The role-qualified name of a node for a report (`querynode 1`).
    pub fn describe(&self, id: u32) -> String {
        match self.node(id) {
            Some(n) if n.roles.len() == 1 => format!("{} {id}", n.roles[0]),
            _ => format!("node {id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::deployment_of;

    #[test]
    fn pods_of_a_deployment() {
        // Pod names of the cluster captures (Helm: <release>-milvus-<role>-<hash>-<5>).
        assert_eq!(
            deployment_of("my-release-milvus-querynode-8mpr24jv4c-z672r"),
            Some("my-release-milvus-querynode-8mpr24jv4c")
        );
        assert_eq!(
            deployment_of("my-release-milvus-proxy-svsd5l9tkc-4blsj"),
            Some("my-release-milvus-proxy-svsd5l9tkc")
        );
        // A StatefulSet pod, a file name: no Deployment.
        assert_eq!(deployment_of("my-release-etcd-0"), None);
        assert_eq!(deployment_of("standalone-2"), None);
    }
}
