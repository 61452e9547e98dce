//! Parsing: the real files load with the right content; malformed files are clear errors.

use std::path::Path;

use gaitscope::osim::model::{JointKind, PathPointKind};
use gaitscope::osim::{Mesh, Model, Table};

fn model_text() -> String {
    std::fs::read_to_string(gaitscope::default_model_path()).unwrap()
}

#[test]
fn the_shipped_model_parses_completely() {
    let m = Model::load(gaitscope::default_model_path()).unwrap();
    assert_eq!(m.bodies.len(), 14);
    assert_eq!(m.bodies[0].name, "ground");
    assert_eq!(m.muscles.len(), 22);
    assert_eq!(m.coordinates.len(), 17);
    assert_eq!(m.contact_spheres.len(), 6);
    assert_eq!(m.hunt_crossley.len(), 2);
    assert_eq!(m.limit_forces.len(), 8);
    let locked: Vec<&str> = m
        .coordinates
        .iter()
        .filter(|c| c.locked)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        locked,
        ["hip_rotation_r", "hip_rotation_l", "lumbar_extension"]
    );
    let pelvis = &m.bodies[m.body_index("pelvis").unwrap()];
    assert!((pelvis.mass - 11.777).abs() < 1e-12);
    assert_eq!(pelvis.geometry.len(), 3);
    let knee = &m.joints[m.joint_of_body(m.body_index("tibia_r").unwrap()).unwrap()];
    let JointKind::Custom(st) = &knee.kind else {
        panic!("knee is a CustomJoint")
    };
    assert!(matches!(
        st.translations[1].function,
        gaitscope::osim::Function::Spline(_)
    ));
    let vasti = &m.muscles[m.muscle_index("vasti_r").unwrap()];
    assert!((vasti.max_isometric_force - 9593.95082).abs() < 1e-9);
    assert!((vasti.kshape_passive - 9.0).abs() < 1e-12);
    assert!(matches!(vasti.path[3].kind, PathPointKind::Moving { .. }));
    let conditional = m
        .muscles
        .iter()
        .flat_map(|mu| &mu.path)
        .filter(|p| matches!(p.kind, PathPointKind::Conditional { .. }))
        .count();
    assert_eq!(conditional, 10);
    assert_eq!(m.hunt_crossley[0].stiffness, 500000.0);
    // Joints are ordered parents first.
    for (i, j) in m.joints.iter().enumerate() {
        assert!(j.parent == 0 || m.joints[..i].iter().any(|p| p.child == j.parent));
    }
}

#[test]
fn truncated_xml_is_an_error_naming_the_file() {
    let text = model_text();
    let cut = &text[..text.len() / 2];
    let e = Model::parse(cut, Path::new("cut.osim")).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("cut.osim:"), "{msg}");
    assert!(msg.contains("XML"), "{msg}");
}

#[test]
fn a_muscle_naming_a_missing_body_is_an_error() {
    let text = model_text().replacen("<body>femur_r</body>", "<body>femur_x</body>", 1);
    let e = Model::parse(&text, Path::new("bad.osim")).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("missing body or frame \"femur_x\""), "{msg}");
    assert!(msg.contains("PathPoint"), "{msg}");
    assert!(e.line.is_some());
}

#[test]
fn bad_numbers_and_missing_fields_are_errors() {
    let text = model_text().replacen("<mass>9.3014</mass>", "<mass>heavy</mass>", 1);
    let e = Model::parse(&text, Path::new("m.osim")).unwrap_err();
    assert!(e.to_string().contains("\"heavy\" is not a number"), "{e}");
    assert!(e.element.contains("Body \"femur_r\""), "{}", e.element);
    let text = model_text().replacen(
        "<max_isometric_force>4460.290481</max_isometric_force>",
        "",
        1,
    );
    let e = Model::parse(&text, Path::new("m.osim")).unwrap_err();
    assert!(
        e.to_string().contains("missing <max_isometric_force>"),
        "{e}"
    );
    let text = model_text().replacen(
        "<parent_body>femur_r</parent_body>",
        "<parent_body>nope</parent_body>",
        1,
    );
    assert!(Model::parse(&text, Path::new("m.osim"))
        .unwrap_err()
        .to_string()
        .contains("missing parent body"));
    let e = Model::load("does/not/exist.osim").unwrap_err();
    assert!(e.to_string().contains("cannot read"), "{e}");
}

#[test]
fn motions_round_trip_and_bad_rows_are_errors() {
    let path = gaitscope::models_dir().join("motions/normal.mot");
    let t = Table::load(&path).unwrap();
    assert_eq!(t.rows.len(), 51);
    assert!(t.in_degrees);
    assert_eq!(t.labels[0], "time");
    let back = Table::parse(&t.to_text(), Path::new("x.mot")).unwrap();
    assert_eq!(back.labels, t.labels);
    for (a, b) in back.rows.iter().flatten().zip(t.rows.iter().flatten()) {
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0));
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen("24.45", "24.4x5", 1);
    let e = Table::parse(&broken, &path).unwrap_err();
    assert!(e.to_string().contains("row 2"), "{e}");
    let short: String = text
        .lines()
        .take(20)
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        + "0.5\t1\t2\n";
    assert!(Table::parse(&short, &path).is_err());
}

#[test]
fn every_shipped_mesh_loads() {
    let dir = gaitscope::models_dir().join("Geometry");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "vtp") {
            let mesh = Mesh::load(&path).unwrap();
            assert!(!mesh.triangles.is_empty(), "{}", path.display());
            assert_eq!(
                mesh.normals.as_ref().map(Vec::len),
                Some(mesh.positions.len())
            );
            count += 1;
        }
    }
    assert_eq!(count, 19);
    let e = Mesh::parse(
        "<VTKFile type=\"PolyData\"><PolyData></PolyData></VTKFile>",
        Path::new("e.vtp"),
    );
    assert!(e.is_err());
}

#[test]
fn deeply_nested_xml_is_a_clear_error_not_a_stack_overflow() {
    let deep = format!(
        "<OpenSimDocument>{}{}</OpenSimDocument>",
        "<Model>".repeat(13_000),
        "</Model>".repeat(13_000)
    );
    let err = gaitscope::osim::Model::parse(&deep, std::path::Path::new("deep.osim"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("deep.osim") && err.contains("nest deeper"),
        "{err}"
    );
    let err = gaitscope::osim::Mesh::parse(&deep, std::path::Path::new("deep.vtp"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("deep.vtp") && err.contains("nest deeper"),
        "{err}"
    );
}

#[test]
fn collecting_no_steps_is_an_error() {
    use gaitscope::train::collect::{collect, CollectConfig};
    let config = CollectConfig {
        steps: 0,
        ..CollectConfig::default()
    };
    let err = collect(&gaitscope::env::EnvConfig::default(), &config).unwrap_err();
    assert!(format!("{err:#}").contains("steps"), "{err:#}");
}

#[test]
fn numbers_too_large_for_the_kinematics_are_errors() {
    let text = model_text().replacen("<mass>9.3014</mass>", "<mass>1e308</mass>", 1);
    let e = Model::parse(&text, Path::new("m.osim")).unwrap_err();
    assert!(e.to_string().contains("1e308"), "{e}");
    let path = gaitscope::models_dir().join("motions/normal.mot");
    let t = Table::load(&path).unwrap();
    let mut huge = t.clone();
    huge.rows[3][1] = 1e308;
    let e = Table::parse(&huge.to_text(), Path::new("huge.mot")).unwrap_err();
    assert!(e.to_string().contains("row 4"), "{e}");
}

fn fixture4(model: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/opensim4/{model}/{model}.osim"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn opensim4_files_read_with_their_joints_constraints_and_skipped_forces_named() {
    let raj = Model::parse(&fixture4("Rajagopal2016"), Path::new("raj.osim")).unwrap();
    assert_eq!(raj.version, 40000);
    assert_eq!(raj.muscles.len(), 80);
    assert_eq!(raj.couplers.len(), 2);
    assert_eq!(raj.wrap_objects.len(), 40);
    let types: Vec<&str> = raj.joints.iter().map(|j| j.type_name.as_str()).collect();
    assert!(types.contains(&"UniversalJoint") && types.contains(&"PinJoint"));
    // The 17 CoordinateActuators are not modelled: skipped with a warning that names them.
    let w = raj.warnings.join("\n");
    assert!(w.contains("CoordinateActuator"), "{w}");
    assert_eq!(raj.ignored_forces.len(), 17);
    // A rigid-tendon Millard muscle keeps its file's settings.
    let m = &raj.muscles[raj.muscle_index("addbrev_r").unwrap()];
    assert!(m.rigid_tendon);
    assert_eq!(m.default_activation, 0.01);
    // osim-rl's planar model (OpenSim 3 with a PlanarJoint) reads too.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/opensim4/gait9dof18musc/gait9dof18musc.osim");
    let planar = Model::load(path).unwrap();
    assert!(planar.joints.iter().any(|j| j.type_name == "PlanarJoint"));
}

#[test]
fn opensim4_frame_errors_name_the_frame() {
    let arm = fixture4("arm26");
    let missing = arm.replacen(
        "<socket_parent_frame>base_offset</socket_parent_frame>",
        "<socket_parent_frame>nowhere_offset</socket_parent_frame>",
        1,
    );
    let e = Model::parse(&missing, Path::new("arm.osim")).unwrap_err();
    assert!(
        e.to_string()
            .contains("missing body or frame \"nowhere_offset\""),
        "{e}"
    );
    assert!(e.line.is_some());
    // Two offset frames that name each other as parents: a loop, refused (not a stack overflow).
    let looped = arm.replacen(
        "<socket_parent>/bodyset/base</socket_parent>",
        "<socket_parent>base_offset</socket_parent>",
        2,
    );
    let e = Model::parse(&looped, Path::new("arm.osim")).unwrap_err();
    assert!(e.to_string().contains("loop"), "{e}");
    let unknown = arm
        .replacen(
            "<CustomJoint name=\"r_elbow\">",
            "<EllipsoidJoint name=\"r_elbow\">",
            1,
        )
        .replacen(
            "</CustomJoint>\n\t\t\t</objects>",
            "</EllipsoidJoint>\n\t\t\t</objects>",
            1,
        );
    let e = Model::parse(&unknown, Path::new("arm.osim")).unwrap_err();
    assert!(
        e.to_string()
            .contains("unsupported joint type EllipsoidJoint"),
        "{e}"
    );
}
