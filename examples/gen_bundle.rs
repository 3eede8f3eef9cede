//! Writes a synthetic bundle for memory and speed runs:
//! `cargo run --release --example gen_bundle -- DIR MEGABYTES [PODS]`
//! (real lines re-stamped over PODS pods), or
//! `cargo run --release --example gen_bundle -- DIR MEGABYTES --repeat SAMPLE`
//! (a real capture of `samples/SAMPLE` repeated, time-shifted, into the same
//! files: many restarts and windows).

// Each user of the generator takes part of it.
#[allow(dead_code)]
#[path = "../benches/gen/mod.rs"]
mod gen;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(mb)) = (
        args.get(1),
        args.get(2).and_then(|m| m.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen_bundle DIR MEGABYTES [PODS | --repeat SAMPLE]");
        std::process::exit(2);
    };
    let files = if args.get(3).map(String::as_str) == Some("--repeat") {
        let sample = args.get(4).map(String::as_str).unwrap_or("kill-restart-1");
        let (files, n) = gen::repeats(sample, mb << 20);
        eprintln!("{n} repeats of samples/{sample}");
        files
    } else {
        let pods = args.get(3).and_then(|p| p.parse().ok()).unwrap_or(6);
        gen::bundle(mb << 20, pods)
    };
    for (name, bytes) in files {
        let p = std::path::Path::new(dir).join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
}
