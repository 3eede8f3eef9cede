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

/// A node replaces the latest earlier one that advertised one of its roles
/// at the same address; where no address was logged (2.2 registers without
/// one), the latest earlier one with one of its roles in an earlier
/// incarnation of the same process group (same pod or folder).
fn link_same_places(nodes: &mut [NodeIdentity], groups: &[Option<String>]) {
    for i in 0..nodes.len() {
        let (earlier, rest) = nodes.split_at_mut(i);
        let n = &mut rest[0];
        let same_address = |o: &NodeIdentity| {
            n.addresses
                .iter()
                .any(|(role, addr)| o.addresses.get(role) == Some(addr))
        };
        let same_slot = |(j, o): &(usize, &NodeIdentity)| {
            groups[i].is_some()
                && groups[*j] == groups[i]
                && o.incarnation < n.incarnation
                && o.roles.iter().any(|r| n.roles.contains(r))
        };
        n.replaces = earlier
            .iter()
            .rev()
            .find(|o| o.id != n.id && same_address(o))
            .or_else(|| {
                earlier
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|x| x.1.id != n.id && x.1.addresses.is_empty() && same_slot(x))
                    .map(|(_, o)| o)
            })
            .map(|o| o.id);
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
                        incarnation: Some(inc.id),
                        first_us: inc.start_us,
                    });
                }
            }
        }
        nodes.sort_by_key(|n| (n.first_us, n.id));
        // A process's place: its group (pod, files); a standalone process is
        // the one of its folder, whatever its files are called.
        let group_of = |inc: Option<u32>| {
            inc.and_then(|i| t.incarnations.get(i as usize)).map(|i| {
                match (i.component, i.group.split_once('|')) {
                    (crate::component::Component::Standalone, Some((folder, _))) => {
                        format!("{folder}|standalone")
                    }
                    _ => i.group.clone(),
                }
            })
        };
        let groups: Vec<Option<String>> = nodes.iter().map(|n| group_of(n.incarnation)).collect();
        link_same_places(&mut nodes, &groups);
        Identity::indexed(nodes)
    }

    /// The identity of these nodes, with its lookups built once.
    fn indexed(nodes: Vec<NodeIdentity>) -> Identity {
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
