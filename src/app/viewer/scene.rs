//! The viewer's 3D scene: one pose holder per body with its bone meshes (or, where a model's
//! meshes are not beside it, a small sphere at each joint and a stick to its parent's joint), and
//! a pool of muscle segments posed and coloured from [`ViewerState::pose`] every frame.

use bevy::prelude::*;
use rapier3d::glamx::DVec3;

use super::state::ViewerState;
use crate::app::assets::{bevy_mesh, geometry_transform, xyz_quat};
use crate::app::scene::{scale_color, segment_transform};
use crate::sim::kinematics::Frame;

/// Everything the viewer spawned for the open model (despawned when another opens).
#[derive(Component)]
pub struct ViewerEntity;

/// A body's pose holder (bone meshes and the joint marker are its children).
#[derive(Component)]
pub struct ViewerBody(pub usize);

/// A stick from a joint to its parent body's joint (drawn when meshes are missing).
#[derive(Component)]
pub struct ViewerStick(pub usize);

/// A wrapping surface drawn on its body (shown or hidden with [`ViewerState::show_wraps`]).
#[derive(Component)]
pub struct ViewerWrap;

/// One drawable muscle segment: muscle index and segment index along its path.
#[derive(Component)]
pub struct ViewerSegment {
    /// Muscle index.
    pub muscle: usize,
    /// Segment index along the drawn path.
    pub index: usize,
}

/// Body holders, never sticks or segments (their transforms are disjoint).
type BodyFilter = (Without<ViewerSegment>, Without<ViewerStick>);
/// Muscle segments, never bodies or sticks.
type SegmentFilter = (Without<ViewerBody>, Without<ViewerStick>);

/// Handles shared by the scene's systems.
#[derive(Resource, Default)]
pub struct ViewerAssets {
    cylinder: Handle<Mesh>,
    muscle_materials: Vec<Handle<StandardMaterial>>,
    /// Segments spawned per muscle.
    segments: Vec<usize>,
    generation: u64,
}

/// The model's generation last built (0: nothing built yet).
fn needs_rebuild(state: &ViewerState, assets: &ViewerAssets) -> bool {
    state.generation != assets.generation
}

/// Rebuilds the scene's entities when a new model opened.
pub fn rebuild(
    mut commands: Commands,
    state: Res<ViewerState>,
    mut assets: ResMut<ViewerAssets>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut orbit: ResMut<crate::app::camera::OrbitCamera>,
    old: Query<Entity, With<ViewerEntity>>,
) {
    if !needs_rebuild(&state, &assets) {
        return;
    }
    for e in &old {
        commands.entity(e).despawn();
    }
    assets.generation = state.generation;
    let Some(open) = &state.open else { return };
    let model = &open.model;
    frame_camera(&state, &mut orbit);
    assets.cylinder = meshes.add(Cylinder::new(1.0, 1.0));
    let bone = materials.add(StandardMaterial {
        base_color: Color::srgb(0.93, 0.89, 0.80),
        perceptual_roughness: 0.7,
        ..default()
    });
    let joint_mesh = meshes.add(Sphere::new(0.012));
    let mut bodies_spawned = Vec::new();
    for (b, _) in model.bodies.iter().enumerate() {
        let has_mesh = open.bones.iter().any(|m| m.body == b);
        let mut holder = commands.spawn((
            ViewerEntity,
            ViewerBody(b),
            Transform::default(),
            Visibility::default(),
        ));
        bodies_spawned.push(holder.id());
        holder.with_children(|parent| {
            for m in open.bones.iter().filter(|m| m.body == b) {
                let local = geometry_transform(&m.geometry);
                parent.spawn((
                    Mesh3d(meshes.add(bevy_mesh(&m.mesh))),
                    MeshMaterial3d(bone.clone()),
                    local,
                ));
            }
            if !has_mesh && b != 0 {
                parent.spawn((
                    Mesh3d(joint_mesh.clone()),
                    MeshMaterial3d(bone.clone()),
                    Transform::default(),
                ));
            }
        });
    }
    spawn_wrap_surfaces(
        &mut commands,
        model,
        &mut meshes,
        &mut materials,
        &bodies_spawned,
    );
    for (j, joint) in model.joints.iter().enumerate() {
        if open.bones.iter().any(|m| m.body == joint.child) || joint.parent == 0 {
            continue;
        }
        commands.spawn((
            ViewerEntity,
            ViewerStick(j),
            Mesh3d(assets.cylinder.clone()),
            MeshMaterial3d(bone.clone()),
            Transform::default(),
            Visibility::Hidden,
        ));
    }
    assets.muscle_materials = model
        .muscles
        .iter()
        .map(|_| materials.add(StandardMaterial::from(scale_color(0.5))))
        .collect();
    assets.segments = vec![0; model.muscles.len()];
}

/// Poses bodies, sticks and muscles for the current coordinates, spawning muscle segments as
/// wrapping lengthens a path.
#[allow(clippy::too_many_arguments)]
pub fn pose(
    mut commands: Commands,
    state: Res<ViewerState>,
    mut assets: ResMut<ViewerAssets>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut bodies: Query<(&ViewerBody, &mut Transform), BodyFilter>,
    mut sticks: Query<(&ViewerStick, &mut Transform, &mut Visibility), Without<ViewerSegment>>,
    mut segments: Query<(&ViewerSegment, &mut Transform, &mut Visibility), SegmentFilter>,
) {
    if needs_rebuild(&state, &assets) {
        return;
    }
    let Some((frames, muscles)) = state.pose() else {
        return;
    };
    let Some(open) = &state.open else { return };
    for (b, mut t) in &mut bodies {
        if let Some(f) = frames.get(b.0) {
            *t = frame_transform(f);
        }
    }
    let joint_center = |j: usize| -> Vec3 {
        let joint = &open.model.joints[j];
        to_vec3(frames[joint.child].pos)
    };
    for (s, mut t, mut vis) in &mut sticks {
        let joint = &open.model.joints[s.0];
        let parent_joint = open.model.joint_of_body(joint.parent);
        let from = parent_joint.map_or(to_vec3(frames[joint.parent].pos), joint_center);
        match segment_transform(from, joint_center(s.0), 0.006) {
            Some(tr) => {
                *t = tr;
                *vis = Visibility::Inherited;
            }
            None => *vis = Visibility::Hidden,
        }
    }
    // Muscles: colour, then place segments (spawning what a longer wrapped path needs).
    for (m, path) in muscles.iter().enumerate() {
        if let Some(mut mat) = assets
            .muscle_materials
            .get(m)
            .and_then(|h| materials.get_mut(h))
        {
            mat.base_color = match path.value {
                Some(v) => scale_color(v),
                None => Color::srgb(0.45, 0.45, 0.45),
            };
        }
        let needed = path.points.len().saturating_sub(1);
        while assets.segments[m] < needed {
            let index = assets.segments[m];
            commands.spawn((
                ViewerEntity,
                ViewerSegment { muscle: m, index },
                Mesh3d(assets.cylinder.clone()),
                MeshMaterial3d(assets.muscle_materials[m].clone()),
                Transform::default(),
                Visibility::Hidden,
            ));
            assets.segments[m] += 1;
        }
    }
    for (s, mut t, mut vis) in &mut segments {
        let points = &muscles[s.muscle].points;
        let placed = points
            .get(s.index)
            .zip(points.get(s.index + 1))
            .and_then(|(a, b)| segment_transform(to_vec3(*a), to_vec3(*b), 0.004));
        match placed {
            Some(tr) => {
                *t = tr;
                *vis = Visibility::Inherited;
            }
            None => *vis = Visibility::Hidden,
        }
    }
}

fn to_vec3(v: DVec3) -> Vec3 {
    Vec3::new(v.x as f32, v.y as f32, v.z as f32)
}

/// A body frame as a Bevy transform.
pub fn frame_transform(f: &Frame) -> Transform {
    let m = f.rot;
    let rot = Mat3::from_cols(to_vec3(m.x_axis), to_vec3(m.y_axis), to_vec3(m.z_axis));
    Transform {
        translation: to_vec3(f.pos),
        rotation: Quat::from_mat3(&rot).normalize(),
        scale: Vec3::ONE,
    }
}

/// Points the camera at the middle of the model's bodies, far enough to see them all.
fn frame_camera(state: &ViewerState, orbit: &mut crate::app::camera::OrbitCamera) {
    let Some((frames, muscles)) = state.pose() else {
        return;
    };
    // Bodies and muscle paths both: a hand is only a muscle's insertion away from its body.
    let points: Vec<Vec3> = frames
        .iter()
        .skip(1) // ground's origin is not part of the model's figure
        .map(|f| f.pos)
        .chain(muscles.iter().flat_map(|m| m.points.iter().copied()))
        .map(to_vec3)
        .filter(|p| p.is_finite())
        .collect();
    let n = points.len().max(1) as f32;
    let center = points.iter().copied().sum::<Vec3>() / n;
    let extent = points
        .iter()
        .map(|p| (*p - center).length())
        .fold(0.0_f32, f32::max);
    if center.is_finite() && extent.is_finite() {
        orbit.target = center;
        orbit.distance = (2.5 * extent + 0.3).clamp(0.4, 20.0);
    }
}

/// The model's wrapping surfaces, translucent, as children of their bodies' holders: cylinders
/// and tori about local Z as OpenSim places them, ellipsoids as scaled spheres.
fn spawn_wrap_surfaces(
    commands: &mut Commands,
    model: &crate::osim::Model,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
    holders: &[Entity],
) {
    use crate::osim::model::WrapShapeSpec;
    let material = materials.add(StandardMaterial {
        base_color: Color::srgba(0.3, 0.85, 0.95, 0.25),
        alpha_mode: AlphaMode::Blend,
        unlit: true,
        ..default()
    });
    let z_up = Quat::from_rotation_x(std::f32::consts::FRAC_PI_2);
    for w in &model.wrap_objects {
        let Some(&holder) = holders.get(w.body) else {
            continue;
        };
        let (mesh, shape_rotation, scale) = match w.shape {
            WrapShapeSpec::Cylinder { radius, length } => (
                meshes.add(Cylinder::new(radius as f32, length as f32)),
                z_up,
                Vec3::ONE,
            ),
            WrapShapeSpec::Sphere { radius } => (
                meshes.add(Sphere::new(radius as f32)),
                Quat::IDENTITY,
                Vec3::ONE,
            ),
            WrapShapeSpec::Ellipsoid { radii } => (
                meshes.add(Sphere::new(1.0)),
                Quat::IDENTITY,
                Vec3::new(radii[0] as f32, radii[1] as f32, radii[2] as f32),
            ),
            WrapShapeSpec::Torus {
                inner_radius,
                outer_radius,
            } => (
                meshes.add(Torus {
                    minor_radius: inner_radius as f32,
                    major_radius: outer_radius as f32,
                }),
                z_up,
                Vec3::ONE,
            ),
        };
        let placement = xyz_quat(w.rotation);
        let surface = commands
            .spawn((
                ViewerWrap,
                Mesh3d(mesh),
                MeshMaterial3d(material.clone()),
                Transform {
                    translation: Vec3::new(
                        w.translation[0] as f32,
                        w.translation[1] as f32,
                        w.translation[2] as f32,
                    ),
                    rotation: placement * shape_rotation,
                    scale,
                },
            ))
            .id();
        commands.entity(holder).add_child(surface);
    }
}

/// Shows or hides the wrapping surfaces.
pub fn show_wraps(state: Res<ViewerState>, mut wraps: Query<&mut Visibility, With<ViewerWrap>>) {
    let shown = if state.show_wraps {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    for mut v in &mut wraps {
        if *v != shown {
            *v = shown;
        }
    }
}
