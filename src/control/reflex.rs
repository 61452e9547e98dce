//! The Song-Geyer reflex controller as osim-rl ships it (`LocoCtrl` in
//! `envs/control/loco_reflex_song2019.py`, by Seungmoon Song; after Song and Geyer, J. Physiol.
//! 2015): a spinal reflex network per leg, switched by stance/swing phases, plus a "brain" layer
//! that sets targets from the trunk and speed and picks the leg to swing.
//!
//! Ported line by line, quirks included: `BFSH_8_PG` reads the `BFSH_8_DG` parameter, `S_BFSH_9`
//! is not gated by a phase, and every stimulation is clipped to `[0.01, 1]`. Angles follow the
//! Song 2015 convention (see [`LegSensors`]); the observation adapter is in
//! [`super::adapter`].

use std::f64::consts::PI;
use std::path::Path;

/// Parameters of the planar controller (the first 37 of [`N_PARAMS_SPATIAL`]).
pub const N_PARAMS_PLANAR: usize = 37;
/// Parameters of the 3-D controller (frontal-plane hip reflexes included).
pub const N_PARAMS_SPATIAL: usize = 46;
/// Floor of every stimulation, and the constant added to each (`pre_stim`).
pub const PRE_STIM: f64 = 0.01;

/// The muscles of one leg in the controller's order (`LocoCtrl.m_keys`).
pub const LEG_MUSCLES: [&str; 11] = [
    "HAB", "HAD", "HFL", "GLU", "HAM", "RF", "VAS", "BFSH", "GAS", "SOL", "TA",
];

/// Planar (sagittal reflexes only) or 3-D (frontal-plane hip reflexes too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// `control_dimension = 2`: 37 parameters, no HAB/HAD reflexes.
    Planar,
    /// `control_dimension = 3`: 46 parameters.
    Spatial,
}

impl Dimension {
    /// Number of parameters per leg.
    pub fn n_params(self) -> usize {
        match self {
            Dimension::Planar => N_PARAMS_PLANAR,
            Dimension::Spatial => N_PARAMS_SPATIAL,
        }
    }
}

/// Reads a parameter file as `np.loadtxt` does for one column: one number per line.
pub fn load_params(path: &Path) -> anyhow::Result<Vec<f64>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    parse_params(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Parses whitespace-separated numbers (`#` starts a comment).
pub fn parse_params(text: &str) -> anyhow::Result<Vec<f64>> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .map(|w| {
            w.parse::<f64>()
                .map_err(|e| anyhow::anyhow!("bad number {w:?}: {e}"))
        })
        .collect()
}

/// Trunk sensors: index 0 is about the forward axis (roll), 1 about the leftward axis (pitch,
/// forward lean positive).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BodySensors {
    /// Trunk angles `[roll, pitch]` (rad).
    pub theta: [f64; 2],
    /// Pelvis velocity `[forward, leftward]` (m/s).
    pub d_pos: [f64; 2],
    /// Trunk angular velocities `[roll, pitch]` (rad/s).
    pub dtheta: [f64; 2],
}

/// One leg's sensors in the Song 2015 convention: `phi_*` are inner joint angles (pi when
/// straight), `alpha = phi_hip - phi_knee / 2` is the leg angle, loads are body-weight units.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LegSensors {
    /// This foot is on the ground.
    pub contact_ipsi: bool,
    /// The other foot is on the ground.
    pub contact_contra: bool,
    /// Vertical ground force on this foot / body weight.
    pub load_ipsi: f64,
    /// Vertical ground force on the other foot / body weight.
    pub load_contra: f64,
    /// Sagittal leg angle (rad).
    pub alpha: f64,
    /// Frontal leg angle (rad; osim-rl fills it from the hip abduction *speed*).
    pub alpha_f: f64,
    /// Rate of `alpha` (rad/s).
    pub dalpha: f64,
    /// Hip angle (rad).
    pub phi_hip: f64,
    /// Knee angle (rad).
    pub phi_knee: f64,
    /// Ankle angle (rad).
    pub phi_ankle: f64,
    /// Knee angular velocity (rad/s).
    pub dphi_knee: f64,
    /// Rectus femoris fibre force / maximum isometric force.
    pub f_rf: f64,
    /// Vasti fibre force / maximum isometric force.
    pub f_vas: f64,
    /// Gastrocnemius fibre force / maximum isometric force.
    pub f_gas: f64,
    /// Soleus fibre force / maximum isometric force.
    pub f_sol: f64,
}

/// Everything the controller reads at one control step; legs are `[right, left]`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SensorData {
    /// Trunk.
    pub body: BodySensors,
    /// Right (0) and left (1) leg.
    pub legs: [LegSensors; 2],
}

/// The control parameters of one leg, scaled from the raw parameter vector as
/// `set_control_params_RL` does.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ControlParams {
    theta_tgt: f64,
    c0: f64,
    cv: f64,
    alpha_delta: f64,
    knee_sw_tgt: f64,
    knee_tgt: f64,
    knee_off_st: f64,
    ankle_tgt: f64,
    hfl_3_pg: f64,
    hfl_3_dg: f64,
    hfl_6_pg: f64,
    hfl_6_dg: f64,
    hfl_10_pg: f64,
    glu_3_pg: f64,
    glu_3_dg: f64,
    glu_6_pg: f64,
    glu_6_dg: f64,
    glu_10_pg: f64,
    ham_3_glu: f64,
    ham_9_pg: f64,
    rf_1_fg: f64,
    rf_8_dg_knee: f64,
    vas_1_fg: f64,
    vas_2_pg: f64,
    vas_10_pg: f64,
    bfsh_2_pg: f64,
    bfsh_7_dg_alpha: f64,
    bfsh_7_pg: f64,
    bfsh_8_dg: f64,
    bfsh_8_pg: f64,
    bfsh_9_g_ham: f64,
    bfsh_9_ham0: f64,
    bfsh_10_pg: f64,
    gas_2_fg: f64,
    sol_1_fg: f64,
    ta_5_pg: f64,
    ta_5_g_sol: f64,
    /// Frontal-plane parameters (3-D only).
    frontal: Option<FrontalParams>,
}

/// The frontal-plane (hip abduction/adduction) parameters of the 3-D controller.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct FrontalParams {
    theta_tgt_f: f64,
    c0_f: f64,
    cv_f: f64,
    hab_3_pg: f64,
    hab_3_dg: f64,
    hab_6_pg: f64,
    had_3_pg: f64,
    had_3_dg: f64,
    had_6_pg: f64,
}

const DEG: f64 = PI / 180.0;

impl ControlParams {
    /// Scales raw parameters `p` (37 or 46 of them, as `dimension` needs).
    pub fn from_raw(p: &[f64], dimension: Dimension) -> anyhow::Result<ControlParams> {
        if p.len() != dimension.n_params() {
            anyhow::bail!(
                "error in the number of params: {} (expected {})",
                p.len(),
                dimension.n_params()
            );
        }
        let mut c = ControlParams::sagittal_targets(p);
        c.set_sagittal_gains(p);
        if dimension == Dimension::Spatial {
            c.frontal = Some(FrontalParams::from_raw(p));
        }
        Ok(c)
    }

    fn sagittal_targets(p: &[f64]) -> ControlParams {
        ControlParams {
            theta_tgt: p[0] * 10.0 * DEG,
            c0: p[1] * 20.0 * DEG + 55.0 * DEG,
            cv: p[2] * 2.0 * DEG,
            alpha_delta: p[3] * 5.0 * DEG,
            knee_sw_tgt: p[4] * 20.0 * DEG + 120.0 * DEG,
            knee_tgt: p[5] * 15.0 * DEG + 160.0 * DEG,
            knee_off_st: p[6] * 10.0 * DEG + 165.0 * DEG,
            ankle_tgt: p[7] * 20.0 * DEG + 60.0 * DEG,
            ..ControlParams::default()
        }
    }

    fn set_sagittal_gains(&mut self, p: &[f64]) {
        self.hfl_3_pg = p[8] * 2.0;
        self.hfl_3_dg = p[9];
        self.hfl_6_pg = p[10];
        self.hfl_6_dg = p[11] * 0.1;
        self.hfl_10_pg = p[12];
        self.glu_3_pg = p[13] * 2.0;
        self.glu_3_dg = p[14] * 0.5;
        self.glu_6_pg = p[15];
        self.glu_6_dg = p[16] * 0.1;
        self.glu_10_pg = p[17] * 0.5;
        self.ham_3_glu = p[18];
        self.ham_9_pg = p[19] * 2.0;
        self.rf_1_fg = p[20] * 0.3;
        self.rf_8_dg_knee = p[21] * 0.1;
        self.vas_1_fg = p[22];
        self.vas_2_pg = p[23] * 2.0;
        self.vas_10_pg = p[24] * 0.3;
        self.bfsh_2_pg = p[25] * 2.0;
        self.bfsh_7_dg_alpha = p[26] * 0.2;
        self.bfsh_7_pg = p[27] * 2.0;
        self.bfsh_8_dg = p[28];
        // As in osim-rl: BFSH_8_PG is read from the BFSH_8_DG slot (p[29] is unused).
        self.bfsh_8_pg = p[28];
        self.bfsh_9_g_ham = p[30] * 2.0;
        self.bfsh_9_ham0 = p[31] * 0.3;
        self.bfsh_10_pg = p[32] * 2.0;
        self.gas_2_fg = p[33] * 1.2;
        self.sol_1_fg = p[34] * 1.2;
        self.ta_5_pg = p[35] * 2.0;
        self.ta_5_g_sol = p[36] * 0.5;
    }
}

impl FrontalParams {
    fn from_raw(p: &[f64]) -> FrontalParams {
        FrontalParams {
            theta_tgt_f: p[37] * 5.0 * DEG,
            c0_f: p[38] * 20.0 * DEG + 60.0 * DEG,
            cv_f: p[39] * 10.0 * DEG,
            hab_3_pg: p[40] * 10.0,
            hab_3_dg: p[41],
            hab_6_pg: p[42] * 2.0,
            had_3_pg: p[43] * 2.0,
            had_3_dg: p[44] * 0.3,
            had_6_pg: p[45] * 2.0,
        }
    }
}

/// The spinal control phases of one leg (`spinal_control_phase`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phase {
    /// Stance.
    pub st: bool,
    /// Stance while the other leg swings (single support).
    pub st_csw: bool,
    /// Stance, swing initiated by the brain.
    pub st_sw0: bool,
    /// Stance, swing not initiated.
    pub st_st: bool,
    /// Swing.
    pub sw: bool,
    /// Swing: flex the knee.
    pub sw_flex_k: bool,
    /// Swing: hold the knee.
    pub sw_hold_k: bool,
    /// Swing: stop the leg.
    pub sw_stop_l: bool,
    /// Swing: hold the leg.
    pub sw_hold_l: bool,
}

/// What the brain layer sets for one leg at each step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct BrainCommand {
    theta_tgt: f64,
    alpha_tgt: f64,
    alpha_delta: f64,
    knee_sw_tgt: f64,
    knee_tgt: f64,
    knee_off_st: f64,
    ankle_tgt: f64,
    hip_tgt: f64,
    swing_init: bool,
    theta_tgt_f: f64,
    alpha_tgt_f: f64,
}

/// One leg's stimulations, in [`LEG_MUSCLES`] order.
pub type LegStim = [f64; 11];

fn b(x: bool) -> f64 {
    f64::from(u8::from(x))
}

fn pos(x: f64) -> f64 {
    x.max(0.0)
}

/// The reflex controller (`LocoCtrl` with `control_mode = 1`: brain control on).
#[derive(Debug, Clone)]
pub struct LocoCtrl {
    dimension: Dimension,
    params: [ControlParams; 2],
    phase: [Phase; 2],
    in_contact: [bool; 2],
    brain: [BrainCommand; 2],
    stim: [LegStim; 2],
}

impl LocoCtrl {
    /// A controller with raw parameters `params`: one set for both legs, or right then left.
    pub fn new(dimension: Dimension, params: &[f64]) -> anyhow::Result<LocoCtrl> {
        let mut c = LocoCtrl {
            dimension,
            params: [ControlParams::default(); 2],
            phase: [Phase::default(); 2],
            in_contact: [false; 2],
            brain: [BrainCommand::default(); 2],
            stim: [[PRE_STIM; 11]; 2],
        };
        c.set_params(params)?;
        c.reset();
        Ok(c)
    }

    /// Sets the parameters (`set_control_params`): `n` for both legs or `2 n`, right first.
    pub fn set_params(&mut self, params: &[f64]) -> anyhow::Result<()> {
        let n = self.dimension.n_params();
        if params.len() == n {
            let p = ControlParams::from_raw(params, self.dimension)?;
            self.params = [p, p];
        } else if params.len() == 2 * n {
            self.params = [
                ControlParams::from_raw(&params[..n], self.dimension)?,
                ControlParams::from_raw(&params[n..], self.dimension)?,
            ];
        } else {
            anyhow::bail!("error in the number of params: {}", params.len());
        }
        Ok(())
    }

    /// Back to the start state: right leg in stance, left leg in swing flexing its knee.
    pub fn reset(&mut self) {
        self.in_contact = [true, false];
        self.phase[0] = Phase {
            st: true,
            ..Phase::default()
        };
        self.phase[1] = Phase {
            sw: true,
            sw_flex_k: true,
            ..Phase::default()
        };
        self.stim = [[PRE_STIM; 11]; 2];
    }

    /// The control dimension.
    pub fn dimension(&self) -> Dimension {
        self.dimension
    }

    /// The current phases of the right (0) and left (1) leg.
    pub fn phases(&self) -> &[Phase; 2] {
        &self.phase
    }

    /// The stimulations of the last update, per leg in [`LEG_MUSCLES`] order (HAB and HAD stay at
    /// 0.01 in the planar controller).
    pub fn stim(&self) -> &[LegStim; 2] {
        &self.stim
    }

    /// One control step (`update`): brain layer, phase switches, then the reflexes. Returns the
    /// stimulations of both legs.
    pub fn update(&mut self, s: &SensorData) -> [LegStim; 2] {
        self.brain_control(s);
        for leg in 0..2 {
            self.update_phase(leg, &s.legs[leg]);
            self.stim[leg] = self.spinal_control_leg(leg, s);
        }
        self.stim
    }

    fn brain_control(&mut self, s: &SensorData) {
        let body = &s.body;
        for leg in 0..2 {
            let cp = &self.params[leg];
            let cmd = &mut self.brain[leg];
            if let Some(f) = &cp.frontal {
                let sign = if leg == 0 { 1.0 } else { -1.0 };
                cmd.theta_tgt_f = f.theta_tgt_f;
                let alpha_tgt_global_f = f.c0_f + sign * f.cv_f * body.d_pos[1];
                cmd.alpha_tgt_f = alpha_tgt_global_f - sign * body.theta[0];
            }
            cmd.theta_tgt = cp.theta_tgt;
            let alpha_tgt_global = cp.c0 - cp.cv * body.d_pos[0];
            cmd.alpha_tgt = alpha_tgt_global - body.theta[1];
            cmd.alpha_delta = cp.alpha_delta;
            cmd.knee_sw_tgt = cp.knee_sw_tgt;
            cmd.knee_tgt = cp.knee_tgt;
            cmd.knee_off_st = cp.knee_off_st;
            cmd.ankle_tgt = cp.ankle_tgt;
            cmd.hip_tgt = cmd.alpha_tgt + 0.5 * cmd.knee_tgt;
            cmd.swing_init = false;
        }
        // With both feet down, the leg further behind its target starts to swing.
        if s.legs[0].contact_ipsi && s.legs[1].contact_ipsi {
            let r = s.legs[0].alpha - self.brain[0].alpha_tgt;
            let l = s.legs[1].alpha - self.brain[1].alpha_tgt;
            let swing = if r > l { 0 } else { 1 };
            self.brain[swing].swing_init = true;
        }
    }

    fn update_phase(&mut self, leg: usize, s: &LegSensors) {
        let cmd = self.brain[leg];
        let ph = &mut self.phase[leg];
        if !self.in_contact[leg] && s.contact_ipsi {
            // Touch-down: stance on, swing off.
            *ph = Phase {
                st: true,
                st_csw: ph.st_csw,
                st_sw0: ph.st_sw0,
                st_st: ph.st_st,
                ..Phase::default()
            };
        }
        if ph.st {
            ph.st_csw = !s.contact_contra;
            ph.st_sw0 = cmd.swing_init;
            ph.st_st = !ph.st_sw0;
        }
        if self.in_contact[leg] && !s.contact_ipsi {
            // Lift-off: stance off, swing on with the knee flexing.
            ph.st = false;
            ph.st_csw = false;
            ph.st_sw0 = false;
            ph.st_st = false;
            ph.sw = true;
            ph.sw_flex_k = true;
        }
        if ph.sw {
            swing_phase(ph, s, &cmd);
        }
        self.in_contact[leg] = s.contact_ipsi;
    }

    fn spinal_control_leg(&self, leg: usize, s: &SensorData) -> LegStim {
        let ctx = Reflex {
            cp: &self.params[leg],
            cmd: &self.brain[leg],
            ph: &self.phase[leg],
            l: &s.legs[leg],
            body: &s.body,
            sign: if leg == 0 { 1.0 } else { -1.0 },
        };
        let mut stim = [PRE_STIM; 11];
        if self.dimension == Dimension::Spatial {
            let (hab, had) = ctx.frontal();
            stim[0] = hab;
            stim[1] = had;
        }
        let (hfl, glu, ham, s_ham_9) = ctx.hip();
        stim[2] = hfl;
        stim[3] = glu;
        stim[4] = ham;
        let (rf, vas, bfsh) = ctx.knee(s_ham_9);
        stim[5] = rf;
        stim[6] = vas;
        stim[7] = bfsh;
        let (gas, sol, ta) = ctx.ankle();
        stim[8] = gas;
        stim[9] = sol;
        stim[10] = ta;
        stim.map(|x| x.clamp(0.01, 1.0))
    }
}

/// The swing sub-phases (knee flexion, knee hold, leg stop, leg hold).
fn swing_phase(ph: &mut Phase, s: &LegSensors, cmd: &BrainCommand) {
    if ph.sw_flex_k {
        if s.phi_knee < cmd.knee_sw_tgt {
            ph.sw_flex_k = false;
            ph.sw_hold_k = true;
        }
    } else {
        if ph.sw_hold_k && s.alpha < cmd.alpha_tgt {
            ph.sw_hold_k = false;
        }
        if s.alpha < cmd.alpha_tgt + cmd.alpha_delta {
            ph.sw_stop_l = true;
        }
        if ph.sw_stop_l && s.dalpha > 0.0 {
            ph.sw_hold_l = true;
        }
    }
}

/// One leg's reflex computation at one step.
struct Reflex<'a> {
    cp: &'a ControlParams,
    cmd: &'a BrainCommand,
    ph: &'a Phase,
    l: &'a LegSensors,
    body: &'a BodySensors,
    /// +1 for the right leg, -1 for the left (frontal plane).
    sign: f64,
}

impl Reflex<'_> {
    /// HAB and HAD (3-D only).
    fn frontal(&self) -> (f64, f64) {
        let (cp, ph, l) = (self.cp, self.ph, self.l);
        let Some(f) = &cp.frontal else {
            return (PRE_STIM, PRE_STIM);
        };
        let theta_f = self.sign * self.body.theta[0];
        let dtheta_f = self.sign * self.body.dtheta[0];
        let tgt = self.cmd.theta_tgt_f;
        let swing_gate = b(ph.st_sw0) * l.load_contra + b(ph.sw);
        let hab_3 =
            b(ph.st) * l.load_ipsi * pos(-f.hab_3_pg * (theta_f - tgt) - f.hab_3_dg * dtheta_f);
        let hab_6 = swing_gate * pos(f.hab_6_pg * (l.alpha_f - self.cmd.alpha_tgt_f));
        let had_3 =
            b(ph.st) * l.load_ipsi * pos(f.had_3_pg * (theta_f - tgt) + f.had_3_dg * dtheta_f);
        let had_6 = swing_gate * pos(-f.had_6_pg * (l.alpha_f - self.cmd.alpha_tgt_f));
        // osim-rl adds no pre-stimulation to HAB and HAD.
        (hab_3 + hab_6, had_3 + had_6)
    }

    /// HFL, GLU and HAM; also returns `S_HAM_9` (it feeds BFSH).
    fn hip(&self) -> (f64, f64, f64, f64) {
        let (cp, cmd, ph, l) = (self.cp, self.cmd, self.ph, self.l);
        let theta = self.body.theta[1];
        let dtheta = self.body.dtheta[1];
        let stance = b(ph.st) * l.load_ipsi;
        let swing_gate = b(ph.st_sw0) * l.load_contra + b(ph.sw);
        let d_alpha = l.alpha - cmd.alpha_tgt;
        let d_hip = l.phi_hip - cmd.hip_tgt;
        let hfl_3 = stance * pos(-cp.hfl_3_pg * (theta - cmd.theta_tgt) - cp.hfl_3_dg * dtheta);
        let hfl_6 = swing_gate * pos(cp.hfl_6_pg * d_alpha + cp.hfl_6_dg * l.dalpha);
        let hfl_10 = b(ph.sw_hold_l) * pos(cp.hfl_10_pg * d_hip);
        let glu_3 = stance * pos(cp.glu_3_pg * (theta - cmd.theta_tgt) + cp.glu_3_dg * dtheta);
        let glu_6 = swing_gate * pos(-cp.glu_6_pg * d_alpha - cp.glu_6_dg * l.dalpha);
        let glu_10 = b(ph.sw_hold_l) * pos(-cp.glu_10_pg * d_hip);
        let ham_3 = cp.ham_3_glu * glu_3;
        let ham_9 =
            b(ph.sw_stop_l) * pos(-cp.ham_9_pg * (l.alpha - (cmd.alpha_tgt + cmd.alpha_delta)));
        (
            PRE_STIM + hfl_3 + hfl_6 + hfl_10,
            PRE_STIM + glu_3 + glu_6 + glu_10,
            PRE_STIM + ham_3 + ham_9,
            ham_9,
        )
    }

    /// RF, VAS and BFSH (`s_ham_9` feeds BFSH_9).
    fn knee(&self, s_ham_9: f64) -> (f64, f64, f64) {
        let (cp, cmd, ph, l) = (self.cp, self.cmd, self.ph, self.l);
        let support = b(ph.st_st) + b(ph.st_sw0) * (1.0 - l.load_contra);
        let rf_1 = support * pos(cp.rf_1_fg * l.f_rf);
        let rf_8 = b(ph.sw_hold_k) * pos(-cp.rf_8_dg_knee * l.dphi_knee);
        let vas_1 = support * pos(cp.vas_1_fg * l.f_vas);
        let vas_2 = -support * pos(cp.vas_2_pg * (l.phi_knee - cmd.knee_off_st));
        let vas_10 = b(ph.sw_hold_l) * pos(-cp.vas_10_pg * (l.phi_knee - cmd.knee_tgt));
        let bfsh_2 = support * pos(cp.bfsh_2_pg * (l.phi_knee - cmd.knee_off_st));
        let bfsh_7 = (b(ph.st_sw0) * l.load_contra + b(ph.sw_flex_k))
            * pos(-cp.bfsh_7_dg_alpha * l.dalpha + cp.bfsh_7_pg * (l.phi_knee - cmd.knee_sw_tgt));
        let bfsh_8 = b(ph.sw_hold_k)
            * pos(cp.bfsh_8_dg
                * (l.dphi_knee - cmd.knee_off_st)
                * cp.bfsh_8_pg
                * (l.alpha - cmd.alpha_tgt));
        let bfsh_9 = pos(cp.bfsh_9_g_ham * (s_ham_9 - cp.bfsh_9_ham0));
        let bfsh_10 = b(ph.sw_hold_l) * pos(cp.bfsh_10_pg * (l.phi_knee - cmd.knee_tgt));
        (
            PRE_STIM + rf_1 + rf_8,
            PRE_STIM + vas_1 + vas_2 + vas_10,
            PRE_STIM + bfsh_2 + bfsh_7 + bfsh_8 + bfsh_9 + bfsh_10,
        )
    }

    /// GAS, SOL and TA.
    fn ankle(&self) -> (f64, f64, f64) {
        let (cp, cmd, ph, l) = (self.cp, self.cmd, self.ph, self.l);
        let gas_2 = b(ph.st) * pos(cp.gas_2_fg * l.f_gas);
        let sol_1 = b(ph.st) * pos(cp.sol_1_fg * l.f_sol);
        let ta_5 = pos(cp.ta_5_pg * (l.phi_ankle - cmd.ankle_tgt));
        let ta_5_st = -b(ph.st) * pos(cp.ta_5_g_sol * sol_1);
        (
            PRE_STIM + gas_2,
            PRE_STIM + sol_1,
            PRE_STIM + ta_5 + ta_5_st,
        )
    }
}
