//! The 3D scene: bone meshes per body, each muscle as a chain of cylinders along its current path
//! coloured by activation (or force, or normalised fibre length), contact spheres, ground-reaction
//! arrows, the centre of mass, and a translucent ghost of the reference pose. Every frame the
//! systems here copy the [`DisplayedFrame`] onto these entities; nothing else moves them.

use bevy::prelude::*;

use super::assets::{bevy_mesh, geometry_transform, ModelData};
use super::FrameSet;
use crate::live::frame::{Frame, MuscleFrame, Pose};

/// Spawns the model's entities and poses them from the displayed frame.
pub struct ScenePlugin;

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        super::configure_sets(app);
        app.init_resource::<DisplayedFrame>()
            .init_resource::<ViewSettings>()
            .add_systems(Startup, spawn_model)
            .add_systems(
                Update,
                (
                    pose_bodies,
                    pose_muscles,
                    color_muscles,
                    pose_contacts,
                    pose_center_of_mass,
                )
                    .in_set(FrameSet::Pose),
            );
    }
}

/// The frame the scene shows (live or from a recording); `None` before the first arrives.
#[derive(Resource, Default, Debug, Clone)]
pub struct DisplayedFrame(pub Option<Frame>);

/// What muscles are coloured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorBy {
    /// Activation in [0, 1].
    #[default]
    Activation,
    /// Tendon force over maximum isometric force.
    Force,
    /// Fibre length over optimal fibre length, 0.5 to 1.5 mapped to the colour scale.
    FiberLength,
}

impl ColorBy {
    /// All choices, for the UI.
    pub const ALL: [ColorBy; 3] = [ColorBy::Activation, ColorBy::Force, ColorBy::FiberLength];

    /// Name for the UI.
    pub fn label(self) -> &'static str {
        match self {
            ColorBy::Activation => "activation",
            ColorBy::Force => "force / max force",
            ColorBy::FiberLength => "fibre length / optimal",
        }
    }

    /// The muscle's value on the colour scale, in [0, 1].
    pub fn value(self, m: &MuscleFrame) -> f32 {
        let v = match self {
            ColorBy::Activation => m.activation,
            ColorBy::Force => m.force,
            ColorBy::FiberLength => m.fiber_length - 0.5,
        };
        if v.is_finite() {
            v.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Display switches.
#[derive(Resource, Debug, Clone)]
pub struct ViewSettings {
    /// What muscle colour shows.
    pub color_by: ColorBy,
    /// Draw the reference ghost.
    pub ghost: bool,
    /// Draw contact spheres and ground-reaction arrows.
    pub contacts: bool,
    /// Draw bones.
    pub bones: bool,
    /// Camera follows the pelvis.
    pub follow: bool,
    /// Large fonts for a lecture hall.
    pub lecture: bool,
}

impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings {
            color_by: ColorBy::Activation,
            ghost: true,
            contacts: true,
            bones: true,
            follow: true,
            lecture: false,
        }
    }
}

/// A body's pose holder (bone meshes are its children).
#[derive(Component, Debug, Clone, Copy)]
pub struct BodyPose {
    /// Model body index.
    pub body: usize,
    /// Part of the reference ghost.
    pub ghost: bool,
}

/// One cylinder of a muscle's path.
#[derive(Component, Debug, Clone, Copy)]
pub struct MuscleSegment {
    /// Muscle index.
    pub muscle: usize,
    /// Segment index along the path.
    pub index: usize,
    /// Cylinder radius (m).
    pub radius: f32,
}

/// A contact sphere's marker.
#[derive(Component, Debug, Clone, Copy)]
pub struct ContactMarker(pub usize);

/// A ground-reaction arrow (shaft) of foot `0` (right) or `1` (left).
#[derive(Component, Debug, Clone, Copy)]
pub struct ForceArrow(pub usize);

/// The centre-of-mass marker.
#[derive(Component, Debug, Clone, Copy)]
pub struct CenterOfMassMarker;

/// One material per muscle, recoloured every frame.
#[derive(Resource, Debug, Clone, Default)]
pub struct MuscleMaterials(pub Vec<Handle<StandardMaterial>>);

/// Ground-reaction arrow length per newton (m/N).
pub const ARROW_METERS_PER_NEWTON: f32 = 0.001;

/// The colour scale: blue (0) through violet to red (1), lit from inside as it rises.
pub fn scale_color(v: f32) -> Color {
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let low = LinearRgba::rgb(0.05, 0.12, 0.75);
    let high = LinearRgba::rgb(0.9, 0.04, 0.02);
    Color::LinearRgba(LinearRgba::rgb(
        low.red + (high.red - low.red) * v,
        low.green + (high.green - low.green) * v,
        low.blue + (high.blue - low.blue) * v,
    ))
}

/// Places a unit cylinder (radius 1, height 1, along Y) from `a` to `b` with `radius`.
pub fn segment_transform(a: Vec3, b: Vec3, radius: f32) -> Option<Transform> {
    let d = b - a;
    let len = d.length();
    if !len.is_finite() || len < 1e-6 {
        return None;
    }
    Some(Transform {
        translation: (a + b) * 0.5,
        rotation: Quat::from_rotation_arc(Vec3::Y, d / len),
        scale: Vec3::new(radius, len, radius),
    })
}

/// Converts a plain pose.
pub fn pose_transform(p: &Pose) -> Transform {
    Transform {
        translation: Vec3::from_array(p.translation),
        rotation: Quat::from_array(p.rotation).normalize(),
        scale: Vec3::ONE,
    }
}

fn spawn_model(
    mut commands: Commands,
    data: Res<ModelData>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let model = &data.model;
    // Bones and ghost: one pose holder per body, meshes as children.
    let bone_material = materials.add(StandardMaterial {
        base_color: Color::srgb(0.93, 0.89, 0.80),
        perceptual_roughness: 0.7,
        ..default()
    });
    let ghost_material = materials.add(StandardMaterial {
        base_color: Color::srgba(0.55, 0.85, 1.0, 0.22),
        alpha_mode: AlphaMode::Blend,
        unlit: true,
        ..default()
    });
    let bone_meshes: Vec<(usize, Handle<Mesh>, Transform)> = data
        .bones
        .iter()
        .map(|b| {
            let local = geometry_transform(&b.geometry);
            (b.body, meshes.add(bevy_mesh(&b.mesh)), local)
        })
        .collect();
    for ghost in [false, true] {
        let material = if ghost {
            ghost_material.clone()
        } else {
            bone_material.clone()
        };
        for body in 0..model.bodies.len() {
            commands
                .spawn((
                    BodyPose { body, ghost },
                    Transform::default(),
                    Visibility::default(),
                ))
                .with_children(|parent| {
                    for (_, mesh, local) in bone_meshes.iter().filter(|(b, _, _)| *b == body) {
                        parent.spawn((
                            Mesh3d(mesh.clone()),
                            MeshMaterial3d(material.clone()),
                            *local,
                        ));
                    }
                });
        }
    }
    // Muscles: one material each, one cylinder per possible path segment.
    let cylinder = meshes.add(Cylinder::new(1.0, 1.0));
    let mut handles = Vec::new();
    for (m, muscle) in model.muscles.iter().enumerate() {
        let material = materials.add(StandardMaterial {
            base_color: scale_color(0.0),
            perceptual_roughness: 0.5,
            ..default()
        });
        handles.push(material.clone());
        // Thicker for stronger muscles: 5 mm at 500 N to 13 mm at 5,000 N.
        let radius = 0.003 + 0.01 * (muscle.max_isometric_force as f32 / 5000.0).sqrt().min(1.2);
        for index in 0..muscle.path.len().saturating_sub(1) {
            commands.spawn((
                MuscleSegment {
                    muscle: m,
                    index,
                    radius,
                },
                Mesh3d(cylinder.clone()),
                MeshMaterial3d(material.clone()),
                Transform::default(),
                Visibility::Hidden,
            ));
        }
    }
    commands.insert_resource(MuscleMaterials(handles));
    // Contacts, ground reaction, centre of mass.
    let sphere = meshes.add(Sphere::new(1.0));
    let contact_material = materials.add(StandardMaterial {
        base_color: Color::srgba(0.2, 0.9, 0.4, 0.6),
        alpha_mode: AlphaMode::Blend,
        ..default()
    });
    for (i, s) in model.contact_spheres.iter().enumerate() {
        commands.spawn((
            ContactMarker(i),
            Mesh3d(sphere.clone()),
            MeshMaterial3d(contact_material.clone()),
            Transform::from_scale(Vec3::splat(s.radius as f32)),
            Visibility::Hidden,
        ));
    }
    let arrow_material = materials.add(StandardMaterial {
        base_color: Color::srgb(1.0, 0.85, 0.1),
        emissive: LinearRgba::rgb(0.6, 0.5, 0.0),
        ..default()
    });
    for foot in 0..2 {
        commands.spawn((
            ForceArrow(foot),
            Mesh3d(cylinder.clone()),
            MeshMaterial3d(arrow_material.clone()),
            Transform::default(),
            Visibility::Hidden,
        ));
    }
    let com_material = materials.add(StandardMaterial {
        base_color: Color::srgb(1.0, 0.45, 0.0),
        emissive: LinearRgba::rgb(0.8, 0.3, 0.0),
        ..default()
    });
    commands.spawn((
        CenterOfMassMarker,
        Mesh3d(sphere),
        MeshMaterial3d(com_material),
        Transform::from_scale(Vec3::splat(0.035)),
        Visibility::Hidden,
    ));
}

fn visible(on: bool) -> Visibility {
    if on {
        Visibility::Visible
    } else {
        Visibility::Hidden
    }
}

/// Bodies and ghost bodies follow the frame's poses.
pub fn pose_bodies(
    shown: Res<DisplayedFrame>,
    settings: Res<ViewSettings>,
    mut bodies: Query<(&BodyPose, &mut Transform, &mut Visibility)>,
) {
    let Some(frame) = &shown.0 else { return };
    for (b, mut transform, mut visibility) in &mut bodies {
        let poses = if b.ghost { &frame.ghost } else { &frame.bodies };
        let on = if b.ghost {
            settings.ghost
        } else {
            settings.bones
        };
        match poses.get(b.body) {
            Some(p) if on => {
                *transform = pose_transform(p);
                *visibility = Visibility::Visible;
            }
            _ => *visibility = Visibility::Hidden,
        }
    }
}

/// Muscle cylinders follow the frame's paths (segments beyond a shorter path hide).
pub fn pose_muscles(
    shown: Res<DisplayedFrame>,
    mut segments: Query<(&MuscleSegment, &mut Transform, &mut Visibility)>,
) {
    let Some(frame) = &shown.0 else { return };
    for (s, mut transform, mut visibility) in &mut segments {
        let placed = frame.muscles.get(s.muscle).and_then(|m| {
            let a = m.points.get(s.index)?;
            let b = m.points.get(s.index + 1)?;
            segment_transform(Vec3::from_array(*a), Vec3::from_array(*b), s.radius)
        });
        match placed {
            Some(t) => {
                *transform = t;
                *visibility = Visibility::Visible;
            }
            None => *visibility = Visibility::Hidden,
        }
    }
}

/// Muscle materials take the colour of the chosen quantity.
pub fn color_muscles(
    shown: Res<DisplayedFrame>,
    settings: Res<ViewSettings>,
    handles: Option<Res<MuscleMaterials>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let (Some(frame), Some(handles)) = (&shown.0, handles) else {
        return;
    };
    for (m, handle) in frame.muscles.iter().zip(&handles.0) {
        let v = settings.color_by.value(m);
        if let Some(mut material) = materials.get_mut(handle) {
            material.base_color = scale_color(v);
            material.emissive = LinearRgba::rgb(0.5 * v, 0.02 * v, 0.0);
        }
    }
}

/// Contact spheres and ground-reaction arrows.
pub fn pose_contacts(
    shown: Res<DisplayedFrame>,
    settings: Res<ViewSettings>,
    mut spheres: Query<(&ContactMarker, &mut Transform, &mut Visibility), Without<ForceArrow>>,
    mut arrows: Query<(&ForceArrow, &mut Transform, &mut Visibility), Without<ContactMarker>>,
) {
    let Some(frame) = &shown.0 else { return };
    for (c, mut transform, mut visibility) in &mut spheres {
        match frame.contact_spheres.get(c.0) {
            Some(p) if settings.contacts => {
                transform.translation = Vec3::from_array(*p);
                *visibility = Visibility::Visible;
            }
            _ => *visibility = Visibility::Hidden,
        }
    }
    for (a, mut transform, mut visibility) in &mut arrows {
        let placed = frame.ground_forces.get(a.0).and_then(|g| {
            let f = Vec3::from_array(g.force);
            if f.length() < 5.0 {
                return None;
            }
            let start = Vec3::from_array(g.point);
            segment_transform(start, start + f * ARROW_METERS_PER_NEWTON, 0.012)
        });
        match placed {
            Some(t) if settings.contacts => {
                *transform = t;
                *visibility = Visibility::Visible;
            }
            _ => *visibility = Visibility::Hidden,
        }
    }
}

/// The centre-of-mass marker.
pub fn pose_center_of_mass(
    shown: Res<DisplayedFrame>,
    mut marker: Query<(&mut Transform, &mut Visibility), With<CenterOfMassMarker>>,
) {
    let Some(frame) = &shown.0 else { return };
    for (mut transform, mut visibility) in &mut marker {
        transform.translation = Vec3::from_array(frame.center_of_mass);
        *visibility = visible(frame.center_of_mass.iter().all(|v| v.is_finite()));
    }
}
