//! Mutation fuzzing of every reader, on stable Rust: the shipped files (model, motions, mesh,
//! run configuration, a recording, a policy checkpoint) are truncated, byte-flipped, given
//! NaN/inf/1e308 numbers, lines removed or repeated, with a fixed seed. Each reader must return
//! an error or a value without a non-finite number in it; it must never panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use gaitscope::osim::mesh::Mesh;
use gaitscope::osim::{Model, Table};

/// One mutation of `bytes`.
fn mutate(bytes: &[u8], rng: &mut SmallRng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.is_empty() {
        return out;
    }
    let at = rng.gen_range(0..out.len());
    match rng.gen_range(0..7) {
        0 => out.truncate(at),
        1 => out[at] = rng.gen(),
        2 => {
            // A number replaced by a hostile one.
            let hostile = [
                "NaN", "inf", "-inf", "1e308", "-1e308", "1e-320", "0", "-1", "1e12",
            ];
            let start = (at..out.len()).find(|&i| out[i].is_ascii_digit());
            if let Some(s) = start {
                let end = (s..out.len())
                    .find(|&i| !(out[i].is_ascii_digit() || b".eE-+".contains(&out[i])))
                    .unwrap_or(out.len());
                let h = hostile[rng.gen_range(0..hostile.len())].as_bytes();
                out.splice(s..end, h.iter().copied());
            }
        }
        k @ (3 | 4) => {
            // A line removed (3) or repeated (4).
            let start = out[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let end = out[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(out.len(), |p| at + p + 1);
            let line = out[start..end].to_vec();
            if k == 3 {
                out.drain(start..end);
            } else {
                out.splice(end..end, line);
            }
        }
        5 => {
            let n = rng.gen_range(1..16);
            let junk: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            out.splice(at..at, junk);
        }
        _ => {
            // A span removed.
            let end = (at + rng.gen_range(1..200)).min(out.len());
            out.drain(at..end);
        }
    }
    out
}

/// Where a `Debug` rendering holds a non-finite number (`NaN`, `inf`, `-inf` as a token).
fn non_finite_at(debug: &str) -> Option<usize> {
    let b = debug.as_bytes();
    let token = |i: usize, len: usize| {
        let before = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let after = i + len >= b.len() || !b[i + len].is_ascii_alphanumeric();
        before && after
    };
    ["NaN", "inf"].iter().find_map(|t| {
        debug
            .match_indices(t)
            .find(|(i, _)| token(*i, t.len()))
            .map(|(i, _)| i)
    })
}

/// Runs `cases` mutations of `original` through `read` (which returns Ok(debug text of the
/// value) or an error) and returns (accepted, refused); panics and non-finite values fail.
fn fuzz(
    name: &str,
    original: &[u8],
    cases: usize,
    seed: u64,
    read: impl Fn(&[u8]) -> anyhow::Result<String>,
) -> (usize, usize) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let (mut ok, mut err) = (0, 0);
    for case in 0..cases {
        let mut bytes = mutate(original, &mut rng);
        if case % 5 == 4 {
            // Two mutations at once now and then.
            bytes = mutate(&bytes, &mut rng);
        }
        match catch_unwind(AssertUnwindSafe(|| read(&bytes))) {
            Ok(Ok(debug)) => {
                if let Some(i) = non_finite_at(&debug) {
                    let mut from = i.saturating_sub(160);
                    while !debug.is_char_boundary(from) {
                        from -= 1;
                    }
                    let mut to = (i + 40).min(debug.len());
                    while !debug.is_char_boundary(to) {
                        to += 1;
                    }
                    panic!(
                        "{name} case {case}: accepted a non-finite number: ...{}...",
                        &debug[from..to]
                    );
                }
                ok += 1;
            }
            Ok(Err(_)) => err += 1,
            Err(_) => panic!("{name} case {case}: the reader panicked"),
        }
    }
    eprintln!("{name}: {cases} mutants, {ok} accepted, {err} refused, 0 panics");
    (ok, err)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gaitscope-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn mutated_models_motions_and_meshes_are_refused_or_read_finite() {
    let models = gaitscope::models_dir();
    let osim = std::fs::read(models.join("gait14dof22musc.osim")).unwrap();
    fuzz("osim", &osim, 300, 1, |b| {
        let m = Model::parse(&text(b), Path::new("fuzz.osim"))?;
        // A coordinate without a <range> is unbounded by design ([-inf, inf], no joint limit).
        Ok(format!("{m:?}").replace("range: [-inf, inf]", "range: unbounded"))
    });
    // An OpenSim 4 file with wrapping surfaces: what is accepted must also give finite muscle
    // lengths and moment arms (the wrap solvers meet odd radii and frames here).
    let arm = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opensim4/arm26/arm26.osim"),
    )
    .unwrap();
    fuzz("osim4", &arm, 200, 5, |b| {
        let m = Model::parse(&text(b), Path::new("fuzz4.osim"))?;
        let mut q = m.default_coordinates();
        gaitscope::sim::kinematics::enforce_couplers(&m, &mut q);
        let paths: Vec<(f64, Vec<f64>)> = m
            .muscles
            .iter()
            .map(|mu| {
                let arms = (0..m.coordinates.len())
                    .map(|c| gaitscope::sim::path::moment_arm(&m, mu, c, &q))
                    .collect();
                (gaitscope::sim::path::muscle_length(&m, mu, &q), arms)
            })
            .collect();
        Ok(format!("{m:?} {paths:?}").replace("range: [-inf, inf]", "range: unbounded"))
    });
    for (i, mot) in ["normal.mot", "subject01_walk1_grf.mot"].iter().enumerate() {
        let bytes = std::fs::read(models.join("motions").join(mot)).unwrap();
        fuzz(mot, &bytes, 400, 2 + i as u64, |b| {
            let t = Table::parse(&text(b), Path::new("fuzz.mot"))?;
            Ok(format!("{:?}", t.rows))
        });
    }
    let vtp = std::fs::read(models.join("Geometry").join("femur.vtp")).unwrap();
    fuzz("vtp", &vtp, 300, 4, |b| {
        let m = Mesh::parse(&text(b), Path::new("fuzz.vtp"))?;
        let n = m.positions.len() as u32;
        // Triangles index existing vertices (the renderer would panic otherwise).
        anyhow::ensure!(
            m.triangles.iter().flatten().all(|&i| i < n),
            "accepted a triangle past the vertices"
        );
        Ok(format!("{:?} {:?}", m.positions, m.normals))
    });
}

#[test]
fn mutated_run_configurations_are_refused_or_valid() {
    use gaitscope::train::run::RunConfig;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/configs/walk.ron");
    let walk = std::fs::read(path).unwrap();
    let study = ron::ser::to_string_pretty(&RunConfig::default(), Default::default()).unwrap();
    for (name, bytes, seed) in [
        ("walk.ron", walk, 5),
        ("study config", study.into_bytes(), 6),
    ] {
        let (ok, _) = fuzz(name, &bytes, 1000, seed, |b| {
            let c: RunConfig = ron::from_str(&text(b))?;
            c.validate()?;
            Ok(format!("{c:?}"))
        });
        assert!(
            ok > 0,
            "no mutant of {name} was accepted: the mutations are too coarse"
        );
    }
}

#[test]
fn mutated_recordings_and_checkpoints_are_refused_or_read_finite() {
    use gaitscope::env::{EnvConfig, WalkEnv};
    use gaitscope::live::Recording;
    let dir = temp("rec");
    let mut env = WalkEnv::new(EnvConfig::default(), 3).unwrap();
    let mut rec = gaitscope::live::recording::record_episode(&mut env, None, None, "fuzz").unwrap();
    rec.frames.truncate(3);
    let path = dir.join("rec.ron");
    rec.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let file = dir.join("mutant.ron");
    fuzz("recording", &bytes, 300, 7, |b| {
        std::fs::write(&file, b)?;
        let r = Recording::load(&file)?;
        Ok(format!("{r:?}"))
    });
    // A policy checkpoint: the shipped none policy with its policy file mutated.
    let shipped = gaitscope::models_dir().join("policies").join("none");
    let run = dir.join("run");
    std::fs::create_dir_all(run.join("checkpoint")).unwrap();
    std::fs::copy(shipped.join("config.ron"), run.join("config.ron")).unwrap();
    for f in std::fs::read_dir(shipped.join("checkpoint")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, run.join("checkpoint").join(f.file_name().unwrap())).unwrap();
    }
    let policy = std::fs::read(shipped.join("checkpoint/policy.safetensors")).unwrap();
    let obs = env.observation().to_vec();
    fuzz("policy.safetensors", &policy, 60, 8, |b| {
        std::fs::write(run.join("checkpoint/policy.safetensors"), b)?;
        let (_, ppo) = gaitscope::train::folder::load_policy(&run)?;
        let snapshot =
            gaitscope::learn::snapshot::PolicySnapshot::from_networks(&ppo.encoder, &ppo.net)?;
        Ok(format!("{:?}", snapshot.act(&obs)))
    });
    let _ = std::fs::remove_dir_all(&dir);
}
