//! The shipped RON defaults parse and equal the built-in defaults; a malformed config is an error.

use gaitscope::env::EnvConfig;

#[test]
fn the_shipped_env_config_is_the_default() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/configs/env.ron");
    let text = std::fs::read_to_string(path).unwrap();
    let parsed: EnvConfig = ron::from_str(&text).unwrap();
    assert_eq!(parsed, EnvConfig::default());
    let bad = text.replace("fall_height: 0.6", "fall_height: \"low\"");
    assert!(ron::from_str::<EnvConfig>(&bad).is_err());
}

#[test]
fn the_shipped_train_config_is_the_default() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/configs/train.ron");
    let parsed: gaitscope::train::run::RunConfig =
        ron::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(parsed, gaitscope::train::run::RunConfig::default());
}

#[test]
fn unusable_training_numbers_are_refused_with_the_field_named() {
    use gaitscope::train::run::RunConfig;
    assert!(RunConfig::default().validate().is_ok());
    type Spoil = Box<dyn Fn(&mut RunConfig)>;
    let cases: Vec<(&str, Spoil)> = vec![
        ("ppo.clip", Box::new(|c| c.ppo.clip = f64::NAN)),
        ("ppo.batch_size", Box::new(|c| c.ppo.batch_size = 0)),
        ("ppo.hidden", Box::new(|c| c.ppo.hidden = vec![0])),
        ("ppo.hidden", Box::new(|c| c.ppo.hidden.clear())),
        ("ppo.n_envs", Box::new(|c| c.ppo.n_envs = 0)),
        ("ppo.n_envs", Box::new(|c| c.ppo.n_envs = 4_294_967_296)),
        ("ppo.n_steps", Box::new(|c| c.ppo.n_steps = 0)),
        ("ppo.lr", Box::new(|c| c.ppo.lr = f64::INFINITY)),
        ("ppo.gamma", Box::new(|c| c.ppo.gamma = 1.5)),
        ("ppo.target_kl", Box::new(|c| c.ppo.target_kl = Some(-1.0))),
        (
            "samples per rollout",
            Box::new(|c| {
                c.ppo.n_envs = 4096;
                c.ppo.n_steps = 1 << 20;
            }),
        ),
        (
            "env.sim.substeps",
            Box::new(|c| c.env.sim.substeps = 1 << 40),
        ),
        (
            "env.sim.control_dt",
            Box::new(|c| c.env.sim.control_dt = 0.0),
        ),
        ("env.max_steps", Box::new(|c| c.env.max_steps = 0)),
        (
            "env.reward.goal_scale",
            Box::new(|c| c.env.reward.goal_scale = f64::NAN),
        ),
        ("checkpoint_every", Box::new(|c| c.checkpoint_every = 0)),
    ];
    for (field, spoil) in cases {
        let mut c = RunConfig::default();
        spoil(&mut c);
        let err = format!("{:#}", c.validate().unwrap_err());
        assert!(err.contains(field), "{field}: {err}");
    }
    // train() refuses before it creates the run folder.
    let dir = std::env::temp_dir().join(format!("gaitscope-bad-config-{}", std::process::id()));
    let mut c = RunConfig::default();
    c.ppo.batch_size = 0;
    let err = gaitscope::train::trainer::train(c, &dir, None, None).unwrap_err();
    assert!(format!("{err:#}").contains("ppo.batch_size"), "{err:#}");
    assert!(!dir.exists());
}

#[test]
fn the_walking_recipe_parses_and_leaves_the_study_untouched() {
    use gaitscope::train::run::RunConfig;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/configs/walk.ron");
    let walk: RunConfig = ron::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    walk.validate().unwrap();
    let study = RunConfig::default();
    assert!(walk.env.tracking.phase_observation && walk.env.tracking.start_moving);
    assert!(walk.env.tracking.relative_positions);
    assert_eq!(walk.env.tracking.action_repeat, 2);
    assert!(walk.env.reward.per_joint);
    assert_eq!(walk.ppo.log_std_init, -1.0);
    // What it does not set is the study's.
    assert_eq!(walk.env.sim, study.env.sim);
    assert_eq!(walk.env.reward.coordinates, study.env.reward.coordinates);
    assert_eq!(study.env.tracking, gaitscope::env::Tracking::default());
    assert_eq!(study.env.tracking.action_repeat, 1);
}
