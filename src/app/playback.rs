//! Playback of recorded episodes: the library of recordings, a timeline position, play/pause
//! (space), frame steps (arrow keys), speed and loop; and the choice of what the scene shows
//! (the live frame or a recorded one).

use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

use super::bridge::{LiveFeed, RecordingFinished};
use super::scene::DisplayedFrame;
use super::FrameSet;
use crate::live::Recording;

/// Recordings, timeline and keys.
pub struct PlaybackPlugin;

impl Plugin for PlaybackPlugin {
    fn build(&self, app: &mut App) {
        super::configure_sets(app);
        app.init_resource::<Library>()
            .init_resource::<Playback>()
            .add_message::<RecordingFinished>()
            .add_systems(Update, keep_recordings.in_set(FrameSet::Receive))
            .add_systems(
                Update,
                (playback_keys, advance_playback, select_displayed_frame)
                    .chain()
                    .in_set(FrameSet::Select),
            );
    }
}

/// A recording's name in the [`Library`]: it stays the same while the recording is kept,
/// whatever is added or dropped around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordingId(pub u64);

/// Recorded episodes, oldest first, each under a [`RecordingId`].
#[derive(Resource, Debug, Default)]
pub struct Library {
    entries: Vec<(RecordingId, Recording)>,
    added: u64,
}

/// Most recordings kept; the oldest one not being shown is dropped first.
pub const LIBRARY_SIZE: usize = 40;

impl Library {
    /// Adds a recording (its label numbered by arrival) and returns its id. Beyond
    /// [`LIBRARY_SIZE`] the oldest recording other than `keep` (the one being shown) is dropped,
    /// so a recording being played never changes under the user.
    pub fn add(&mut self, mut rec: Recording, keep: Option<RecordingId>) -> RecordingId {
        self.added += 1;
        let id = RecordingId(self.added);
        rec.label = format!("#{} {}", self.added, rec.label);
        self.entries.push((id, rec));
        if self.entries.len() > LIBRARY_SIZE {
            if let Some(k) = self.entries.iter().position(|(i, _)| Some(*i) != keep) {
                self.entries.remove(k);
            }
        }
        id
    }

    /// The recording with this id, if it is still kept.
    pub fn get(&self, id: RecordingId) -> Option<&Recording> {
        self.entries
            .iter()
            .find_map(|(i, r)| (*i == id).then_some(r))
    }

    /// The recordings and their ids, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (RecordingId, &Recording)> {
        self.entries.iter().map(|(i, r)| (*i, r))
    }

    /// The newest recording.
    pub fn newest(&self) -> Option<&Recording> {
        self.entries.last().map(|(_, r)| r)
    }

    /// How many recordings are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What the scene shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// The live evaluation.
    #[default]
    Live,
    /// A recording of the library.
    Recording(RecordingId),
}

impl Source {
    /// The recording shown, if any.
    pub fn recording(self) -> Option<RecordingId> {
        match self {
            Source::Live => None,
            Source::Recording(id) => Some(id),
        }
    }
}

/// The timeline.
#[derive(Resource, Debug, Clone)]
pub struct Playback {
    /// Live or a recording.
    pub source: Source,
    /// Position in the recording (s).
    pub position: f32,
    /// Playing (else paused).
    pub playing: bool,
    /// Playback speed (1 = real time).
    pub speed: f32,
    /// Start again at the end.
    pub looping: bool,
    /// Keep every finished live episode in the library.
    pub record: bool,
}

impl Default for Playback {
    fn default() -> Self {
        Playback {
            source: Source::Live,
            position: 0.0,
            playing: true,
            speed: 1.0,
            looping: true,
            record: true,
        }
    }
}

impl Playback {
    /// Index of the frame at the current position in `rec`.
    pub fn frame_index(&self, rec: &Recording) -> usize {
        if rec.frames.is_empty() {
            return 0;
        }
        ((self.position / rec.dt).round().max(0.0) as usize).min(rec.frames.len() - 1)
    }

    /// Moves by `frames` frames (pauses).
    pub fn step(&mut self, rec: &Recording, frames: i32) {
        self.playing = false;
        let i = self.frame_index(rec) as i32 + frames;
        let last = rec.frames.len().saturating_sub(1) as i32;
        self.position = i.clamp(0, last) as f32 * rec.dt;
    }

    /// Advances playing time by `dt` seconds of wall time.
    pub fn advance(&mut self, rec: &Recording, dt: f32) {
        if !self.playing || rec.frames.is_empty() {
            return;
        }
        let end = (rec.frames.len() - 1) as f32 * rec.dt;
        (self.position, self.playing) =
            advance_position(self.position, dt * self.speed, end, self.looping);
    }
}

/// A playing timeline's position moved on by `step` seconds on a timeline `end` seconds long:
/// round to the start when looping, else stopped at the end. Returns the position and whether it
/// still plays. Recordings (f32) and the viewer's motions (f64) share it.
pub fn advance_position<T>(position: T, step: T, end: T, looping: bool) -> (T, bool)
where
    T: Copy + PartialOrd + Default + std::ops::Add<Output = T> + std::ops::Rem<Output = T>,
{
    let moved = position + step;
    if moved > end {
        if looping && end > T::default() {
            (moved % end, true)
        } else {
            (end, false)
        }
    } else {
        (moved, true)
    }
}

/// Keeps every finished live episode while recording is on, never dropping the one shown.
fn keep_recordings(
    mut finished: MessageReader<RecordingFinished>,
    mut library: ResMut<Library>,
    playback: Res<Playback>,
) {
    for RecordingFinished(rec) in finished.read() {
        if playback.record {
            library.add(rec.clone(), playback.source.recording());
        }
    }
}

fn playback_keys(
    keys: Res<ButtonInput<KeyCode>>,
    egui_input: Option<Res<EguiWantsInput>>,
    library: Res<Library>,
    mut playback: ResMut<Playback>,
) {
    if egui_input.is_some_and(|e| e.wants_keyboard_input()) {
        return;
    }
    let Source::Recording(i) = playback.source else {
        return;
    };
    let Some(rec) = library.get(i) else {
        return;
    };
    if keys.just_pressed(KeyCode::Space) {
        playback.playing = !playback.playing;
    }
    if keys.just_pressed(KeyCode::ArrowRight) {
        playback.step(rec, 1);
    }
    if keys.just_pressed(KeyCode::ArrowLeft) {
        playback.step(rec, -1);
    }
}

fn advance_playback(time: Res<Time>, library: Res<Library>, mut playback: ResMut<Playback>) {
    if let Source::Recording(i) = playback.source {
        if let Some(rec) = library.get(i) {
            let dt = time.delta_secs();
            playback.advance(rec, dt);
        } else {
            playback.source = Source::Live;
        }
    }
}

/// Copies the live frame or the recording's frame into [`DisplayedFrame`].
pub fn select_displayed_frame(
    playback: Res<Playback>,
    library: Res<Library>,
    feed: Option<Res<LiveFeed>>,
    mut shown: ResMut<DisplayedFrame>,
) {
    match playback.source {
        Source::Live => {
            if let Some(f) = feed.as_ref().and_then(|f| f.latest.as_ref()) {
                shown.0 = Some(f.clone());
            }
        }
        Source::Recording(i) => {
            if let Some(rec) = library.get(i) {
                shown.0 = rec.frames.get(playback.frame_index(rec)).cloned();
            }
        }
    }
}
