//! Writes a synthetic bundle for memory and speed runs:
//! `cargo run --release --example gen_bundle -- DIR MEGABYTES [PODS]`.

#[path = "../benches/gen/mod.rs"]
mod gen;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(mb)) = (
        args.get(1),
        args.get(2).and_then(|m| m.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen_bundle DIR MEGABYTES [PODS]");
        std::process::exit(2);
    };
    let pods = args.get(3).and_then(|p| p.parse().ok()).unwrap_or(6);
    for (name, bytes) in gen::bundle(mb << 20, pods) {
        let p = std::path::Path::new(dir).join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
}
