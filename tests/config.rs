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
