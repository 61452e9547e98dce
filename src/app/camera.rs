//! Ground, grid, lights and the camera: it orbits with the left mouse button, zooms with the
//! wheel, pans its height with the right button, and follows the pelvis when asked. The 3D view
//! fills the window's area left free by the panels.

use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport};
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::render::view::Msaa;
use bevy_egui::input::EguiWantsInput;
use bevy_egui::{EguiGlobalSettings, PrimaryEguiContext};

use super::scene::{DisplayedFrame, ViewSettings};
use super::FrameSet;

/// Camera, lights, ground; orbit and follow.
pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        super::configure_sets(app);
        app.init_resource::<OrbitCamera>()
            .init_resource::<ViewportRect>()
            .insert_resource(GlobalAmbientLight {
                color: Color::WHITE,
                brightness: 350.0,
                ..default()
            })
            .add_systems(Startup, spawn_world)
            .add_systems(
                Update,
                (follow_pelvis, orbit_camera, apply_viewport)
                    .chain()
                    .after(FrameSet::Pose),
            );
    }
}

/// Where the camera looks from.
#[derive(Resource, Debug, Clone)]
pub struct OrbitCamera {
    /// Point looked at.
    pub target: Vec3,
    /// Angle about the vertical (rad).
    pub yaw: f32,
    /// Angle above the horizon (rad).
    pub pitch: f32,
    /// Distance from the target (m).
    pub distance: f32,
}

impl Default for OrbitCamera {
    fn default() -> Self {
        OrbitCamera {
            target: Vec3::new(0.0, 0.9, 0.0),
            yaw: 0.5,
            pitch: 0.15,
            distance: 3.2,
        }
    }
}

/// The free area between the panels, in physical pixels (`None`: the whole window).
#[derive(Resource, Debug, Clone, Default)]
pub struct ViewportRect(pub Option<(UVec2, UVec2)>);

impl ViewportRect {
    /// Takes egui's area left free by the panels (in points, `ppp` pixels per point).
    pub fn set_free(&mut self, free: bevy_egui::egui::Rect, ppp: f32) {
        self.0 = Some((
            UVec2::new(
                (free.min.x * ppp).max(0.0) as u32,
                (free.min.y * ppp).max(0.0) as u32,
            ),
            UVec2::new(
                (free.width() * ppp).max(0.0) as u32,
                (free.height() * ppp).max(0.0) as u32,
            ),
        ));
    }
}

fn spawn_world(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    egui_settings: Option<ResMut<EguiGlobalSettings>>,
) {
    // The 3D camera draws into the area between the panels; the panels are drawn by a camera of
    // their own over the whole window (egui's screen must not follow the 3D viewport).
    if let Some(mut s) = egui_settings {
        s.auto_create_primary_context = false;
    }
    commands.spawn((Camera3d::default(), Transform::default()));
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        // egui anti-aliases its own shapes; multisampling the whole window again costs a lot
        // under software rendering.
        Msaa::Off,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
    commands.spawn((
        DirectionalLight {
            illuminance: 9000.0,
            ..default()
        },
        Transform::from_xyz(3.0, 6.0, 4.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    commands.spawn((
        DirectionalLight {
            illuminance: 2500.0,
            ..default()
        },
        Transform::from_xyz(-4.0, 3.0, -3.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    // Ground: 80 m along the walking direction (+x), 20 m across, with a 1 m grid.
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::default().mesh().size(80.0, 20.0))),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::srgb(0.22, 0.24, 0.27),
            perceptual_roughness: 0.95,
            ..default()
        })),
        Transform::from_xyz(30.0, 0.0, 0.0),
    ));
    let line_material = materials.add(StandardMaterial {
        base_color: Color::srgb(0.42, 0.45, 0.5),
        unlit: true,
        ..default()
    });
    let along = meshes.add(Cuboid::new(80.0, 0.002, 0.01));
    let across = meshes.add(Cuboid::new(0.01, 0.002, 20.0));
    for z in -10..=10 {
        commands.spawn((
            Mesh3d(along.clone()),
            MeshMaterial3d(line_material.clone()),
            Transform::from_xyz(30.0, 0.001, z as f32),
        ));
    }
    for x in -10..=70 {
        commands.spawn((
            Mesh3d(across.clone()),
            MeshMaterial3d(line_material.clone()),
            Transform::from_xyz(x as f32, 0.001, 0.0),
        ));
    }
}

/// Moves the target towards the pelvis (model body 1) on the ground plane.
fn follow_pelvis(
    shown: Res<DisplayedFrame>,
    settings: Res<ViewSettings>,
    time: Res<Time>,
    mut orbit: ResMut<OrbitCamera>,
) {
    if !settings.follow {
        return;
    }
    let Some(pelvis) = shown.0.as_ref().and_then(|f| f.bodies.get(1)) else {
        return;
    };
    let p = Vec3::from_array(pelvis.translation);
    if !p.is_finite() {
        return;
    }
    orbit.target = follow_target(orbit.target, p, time.delta_secs());
}

/// Horizontal distance beyond which the follow camera jumps to the pelvis instead of easing
/// there: a new episode starts metres behind where the last one ended, and easing over that
/// showed an empty floor for the first second (longer at software rendering's few frames a
/// second, whose frame times Bevy clamps to 0.25 s). Walking pelvises stay within ~0.4 m.
pub const FOLLOW_SNAP_M: f32 = 2.0;

/// The follow camera's next target on the ground plane: eased towards the pelvis with a 0.25 s
/// time constant, or snapped to it after a jump of more than [`FOLLOW_SNAP_M`].
pub fn follow_target(target: Vec3, pelvis: Vec3, dt: f32) -> Vec3 {
    let gap = Vec2::new(pelvis.x - target.x, pelvis.z - target.z);
    let k = if gap.length() > FOLLOW_SNAP_M {
        1.0
    } else {
        1.0 - (-4.0 * dt).exp()
    };
    Vec3::new(target.x + gap.x * k, target.y, target.z + gap.y * k)
}

fn orbit_camera(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    egui_input: Option<Res<EguiWantsInput>>,
    mut orbit: ResMut<OrbitCamera>,
    mut cameras: Query<&mut Transform, With<Camera3d>>,
) {
    let egui_busy = egui_input.is_some_and(|e| e.wants_any_pointer_input());
    if !egui_busy {
        if buttons.pressed(MouseButton::Left) {
            orbit.yaw -= motion.delta.x * 0.006;
            orbit.pitch = (orbit.pitch + motion.delta.y * 0.004).clamp(-0.2, 1.4);
        }
        if buttons.pressed(MouseButton::Right) {
            orbit.target.y = (orbit.target.y + motion.delta.y * 0.003).clamp(0.0, 2.5);
        }
        if scroll.delta.y != 0.0 {
            orbit.distance =
                (orbit.distance * (1.0 - 0.1 * scroll.delta.y.signum())).clamp(0.8, 20.0);
        }
    }
    let offset = Vec3::new(
        orbit.yaw.sin() * orbit.pitch.cos(),
        orbit.pitch.sin(),
        orbit.yaw.cos() * orbit.pitch.cos(),
    ) * orbit.distance;
    for mut t in &mut cameras {
        *t = Transform::from_translation(orbit.target + offset).looking_at(orbit.target, Vec3::Y);
    }
}

fn apply_viewport(
    rect: Res<ViewportRect>,
    windows: Query<&Window>,
    mut cameras: Query<&mut Camera, With<Camera3d>>,
) {
    let Ok(window) = windows.single() else { return };
    let size = UVec2::new(window.physical_width(), window.physical_height());
    for mut camera in &mut cameras {
        camera.viewport = match rect.0 {
            Some((pos, area))
                if area.x > 16
                    && area.y > 16
                    && pos.x + area.x <= size.x
                    && pos.y + area.y <= size.y =>
            {
                Some(Viewport {
                    physical_position: pos,
                    physical_size: area,
                    ..default()
                })
            }
            _ => None,
        };
    }
}
