//! The viewer's panels: a file picker for models and motions (with the folder's files listed),
//! a coordinates panel with a slider per coordinate as OpenSim's GUI has, the muscle colouring,
//! the motion's timeline, and any error or warning in the window itself.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts};

use super::state::{ViewerColor, ViewerState};
use crate::app::camera::ViewportRect;
use crate::osim::model::MotionType;
use crate::sim::kinematics::is_dependent;

/// Draws the panels and applies what they change.
pub fn draw(
    mut contexts: EguiContexts,
    mut state: ResMut<ViewerState>,
    mut viewport: ResMut<ViewportRect>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = egui::Ui::new(
        ctx.clone(),
        "viewer-root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    egui::Panel::top("viewer-top").show(&mut root, |ui| top_bar(ui, &mut state));
    egui::Panel::left("viewer-files")
        .resizable(true)
        .default_size(300.0)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| files_panel(ui, &mut state));
        });
    egui::Panel::right("viewer-coordinates")
        .resizable(true)
        .default_size(360.0)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| coordinates_panel(ui, &mut state));
        });
    if state.motion.is_some() {
        egui::Panel::bottom("viewer-timeline").show(&mut root, |ui| timeline(ui, &mut state));
    }
    viewport.set_free(root.available_rect_before_wrap(), ctx.pixels_per_point());
    Ok(())
}

fn top_bar(ui: &mut egui::Ui, state: &mut ViewerState) {
    ui.horizontal_wrapped(|ui| match &state.open {
        Some(open) => {
            let m = &open.model;
            ui.strong(&m.name);
            ui.label(format!(
                "{} bodies, {} joints, {} coordinates, {} muscles, {} wrap surfaces, OpenSim {}",
                m.bodies.len(),
                m.joints.len(),
                m.coordinates.len(),
                m.muscles.len(),
                m.wrap_objects.len(),
                m.version / 10000
            ));
        }
        None => {
            ui.label("no model open: choose a .osim file on the left");
        }
    });
    if let Some(e) = &state.error {
        ui.colored_label(egui::Color32::from_rgb(255, 110, 90), format!("⚠ {e}"));
    }
}

/// Lists the `.osim` or motion files in the folder of `field` (or the field itself if a folder).
fn folder_files(field: &str, extensions: &[&str]) -> Vec<PathBuf> {
    let p = Path::new(field.trim());
    let dir = if p.is_dir() {
        p
    } else {
        p.parent().unwrap_or(Path::new("."))
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| extensions.contains(&e.to_lowercase().as_str()))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.truncate(200);
    out
}

fn file_picker(
    ui: &mut egui::Ui,
    label: &str,
    field: &mut String,
    extensions: &[&str],
) -> Option<PathBuf> {
    let mut chosen = None;
    ui.label(label);
    ui.horizontal(|ui| {
        let edit = ui.add(egui::TextEdit::singleline(field).desired_width(200.0));
        let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("open").clicked() || enter {
            chosen = Some(PathBuf::from(field.trim()));
        }
    });
    egui::CollapsingHeader::new(format!("files here ({})", extensions.join(", ")))
        .id_salt(label)
        .show(ui, |ui| {
            for f in folder_files(field, extensions) {
                let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
                if ui.link(name.unwrap_or_default()).clicked() {
                    *field = f.display().to_string();
                    chosen = Some(f);
                }
            }
        });
    chosen
}

fn files_panel(ui: &mut egui::Ui, state: &mut ViewerState) {
    ui.heading("Files");
    let mut field = std::mem::take(&mut state.model_field);
    if let Some(path) = file_picker(ui, "model (.osim)", &mut field, &["osim"]) {
        state.model_field = field;
        state.open_model(&path);
    } else {
        state.model_field = field;
    }
    ui.separator();
    let mut field = std::mem::take(&mut state.motion_field);
    if let Some(path) = file_picker(ui, "motion (.mot, .sto)", &mut field, &["mot", "sto"]) {
        state.motion_field = field;
        state.open_motion(&path);
    } else {
        state.motion_field = field;
    }
    let Some(open) = &state.open else { return };
    ui.separator();
    if !open.model.warnings.is_empty() || !open.missing_meshes.is_empty() {
        egui::CollapsingHeader::new(format!(
            "warnings ({})",
            open.model.warnings.len() + open.missing_meshes.len().min(1)
        ))
        .show(ui, |ui| {
            for w in &open.model.warnings {
                ui.label(w);
            }
            if !open.missing_meshes.is_empty() {
                ui.label(format!(
                    "{} bone meshes not found beside the model (bodies drawn as sticks), e.g. {}",
                    open.missing_meshes.len(),
                    open.missing_meshes[0]
                ));
            }
        });
    }
}

fn coordinates_panel(ui: &mut egui::Ui, state: &mut ViewerState) {
    let Some(open) = state.open.clone() else {
        return;
    };
    let model = &open.model;
    ui.heading("Muscle colour");
    ui.horizontal(|ui| {
        ui.radio_value(&mut state.color, ViewerColor::Length, "length");
        ui.radio_value(&mut state.color, ViewerColor::MomentArm, "moment arm about");
    });
    let chosen = model
        .coordinates
        .get(state.coordinate)
        .map_or("", |c| c.name.as_str());
    egui::ComboBox::from_id_salt("viewer-moment-coordinate")
        .selected_text(chosen)
        .show_ui(ui, |ui| {
            for (i, c) in model.coordinates.iter().enumerate() {
                if !c.locked && !is_dependent(model, i) {
                    ui.selectable_value(&mut state.coordinate, i, &c.name);
                }
            }
        });
    if !model.wrap_objects.is_empty() {
        ui.checkbox(
            &mut state.show_wraps,
            format!("wrapping surfaces ({})", model.wrap_objects.len()),
        );
    }
    ui.label(match state.color {
        ViewerColor::Length => "blue: 20 % shorter than in the default pose; red: 20 % longer",
        ViewerColor::MomentArm => "blue: -5 cm; red: +5 cm; grey: does not cross it",
    });
    ui.separator();
    ui.horizontal(|ui| {
        ui.heading("Coordinates");
        if ui.button("default pose").clicked() {
            state.reset_pose();
        }
    });
    if state.motion.as_ref().is_some_and(|m| m.playing) {
        ui.label("(the motion is playing: pause it to pose by hand)");
    }
    for (i, c) in model.coordinates.iter().enumerate() {
        let dependent = is_dependent(model, i);
        let rotational = c.motion_type == MotionType::Rotational;
        let (lo, hi) = (
            c.range[0].max(-10.0),
            c.range[1].min(10.0).max(c.range[0].max(-10.0)),
        );
        let mut shown = if rotational {
            state.q[i].to_degrees()
        } else {
            state.q[i]
        };
        let range = if rotational {
            lo.to_degrees()..=hi.to_degrees()
        } else {
            lo..=hi
        };
        // Never clamped by the widget itself: a motion may hold values outside the range, and
        // a slider that clamped them would count as moved and stop the motion.
        let slider = egui::Slider::new(&mut shown, range)
            .clamping(egui::SliderClamping::Never)
            .text(if rotational {
                format!("{} °", c.name)
            } else {
                format!("{} m", c.name)
            })
            .fixed_decimals(if rotational { 1 } else { 3 });
        let response = ui
            .add_enabled(!c.locked && !dependent, slider)
            .on_disabled_hover_text(if c.locked {
                "locked in the file"
            } else {
                "follows a coupler constraint"
            });
        if response.changed() {
            if let Some(m) = &mut state.motion {
                m.playing = false;
            }
            state.set_coordinate(
                i,
                if rotational {
                    shown.to_radians()
                } else {
                    shown
                },
            );
        }
    }
}

fn timeline(ui: &mut egui::Ui, state: &mut ViewerState) {
    let Some(m) = &mut state.motion else { return };
    let mut moved = false;
    ui.horizontal_wrapped(|ui| {
        ui.label(
            m.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        if ui.button("⏮").clicked() {
            m.position = 0.0;
            moved = true;
        }
        if ui
            .button("◀")
            .on_hover_text("previous row (left arrow)")
            .clicked()
        {
            m.step(-1);
            moved = true;
        }
        if ui
            .button(if m.playing { "⏸" } else { "▶" })
            .on_hover_text("play / pause")
            .clicked()
        {
            m.playing = !m.playing;
        }
        if ui
            .button("▶|")
            .on_hover_text("next row (right arrow)")
            .clicked()
        {
            m.step(1);
            moved = true;
        }
        egui::ComboBox::from_id_salt("viewer-speed")
            .selected_text(format!("{}x", m.speed))
            .show_ui(ui, |ui| {
                for s in [0.1, 0.25, 0.5, 1.0, 2.0, 4.0] {
                    ui.selectable_value(&mut m.speed, s, format!("{s}x"));
                }
            });
        ui.checkbox(&mut m.looping, "loop");
        ui.label(format!(
            "row {} / {}",
            m.row_index() + 1,
            m.table.rows.len()
        ));
    });
    let end = m.duration();
    ui.spacing_mut().slider_width = (ui.available_width() - 140.0).max(80.0);
    if ui
        .add(
            egui::Slider::new(&mut m.position, 0.0..=end.max(0.01))
                .text("s")
                .fixed_decimals(2),
        )
        .changed()
    {
        moved = true;
    }
    if moved {
        state.apply_motion();
    }
}
