//! The top bar: preset browser (factory and user presets, previous/next, save as, a dirty
//! marker), A/B compare, the host bypass, and the window's scale.

use egui::{pos2, vec2, Align2, Rect, Ui};
use runnel_engine::params::{ParamValues, BYPASS_ID, PARAMS};
use runnel_engine::presets::{factory, user, Preset};

use super::access::{index_of, ParamAccess};
use super::theme;

/// Two values differ for the dirty marker and A/B when they differ by more than this
/// (relative), so float round trips through the host do not count as edits.
const SAME_VALUE_TOLERANCE: f32 = 1e-4;

/// A preset the browser lists.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The preset.
    pub preset: Preset,
    /// Whether it came from the user's preset folder.
    pub user: bool,
}

/// The browser's and A/B's state.
#[derive(Debug, Default)]
pub struct TopBar {
    /// Factory presets, then user presets.
    pub entries: Vec<Entry>,
    /// The entry last loaded (its values decide the dirty marker).
    pub current: Option<usize>,
    /// The A and B slots; the active one is not stored while active (it is the live state).
    slots: [Option<ParamValues>; 2],
    /// Which slot is live (0 = A).
    active_slot: usize,
    /// The "save as" name being typed; `Some` while the field is open.
    save_name: Option<String>,
    /// The outcome of the last save, shown briefly.
    pub message: Option<String>,
}

impl TopBar {
    /// A browser listing the factory presets and the user folder's presets.
    pub fn new() -> Self {
        let mut bar = Self::default();
        bar.reload();
        bar
    }

    /// Re-reads the preset lists (after a save).
    pub fn reload(&mut self) {
        self.entries = factory::presets().into_iter().map(|preset| Entry { preset, user: false }).collect();
        if let Some(dir) = user::preset_dir() {
            for (_, preset) in user::load_dir(&dir).into_iter().flatten() {
                self.entries.push(Entry { preset, user: true });
            }
        }
    }

    /// Loads entry `index` into the parameters.
    pub fn load(&mut self, index: usize, access: &dyn ParamAccess) {
        if let Some(entry) = self.entries.get(index) {
            access.load(&entry.preset);
            self.current = Some(index);
        }
    }

    /// Whether the parameters differ from the loaded preset (or no preset was loaded).
    pub fn is_dirty(&self, access: &dyn ParamAccess) -> bool {
        let Some(entry) = self.current.and_then(|i| self.entries.get(i)) else { return false };
        !same_values(&entry.preset.values, &access.values())
    }

    /// Switches A/B to `slot`: the live state goes into the other slot, the slot's state (or a
    /// copy of the live one, the first time) becomes live.
    pub fn select_slot(&mut self, slot: usize, access: &dyn ParamAccess) {
        if slot == self.active_slot {
            return;
        }
        let live = access.values();
        let target = self.slots[slot].take().unwrap_or_else(|| live.clone());
        self.slots[self.active_slot] = Some(live);
        access.load(&Preset::new("A/B", "", "", target));
        self.active_slot = slot;
    }

    /// Draws the bar in `rect`.
    pub fn show(&mut self, ui: &mut Ui, rect: Rect, access: &dyn ParamAccess, scale: &mut f32) {
        let painter = ui.painter();
        painter.rect_filled(rect, 0.0, theme::PANEL);
        painter.text(
            pos2(rect.left() + 12.0, rect.center().y),
            Align2::LEFT_CENTER,
            "RUNNEL",
            egui::FontId::proportional(17.0),
            theme::ACCENT,
        );
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(rect.shrink2(vec2(100.0, 5.0)))
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
        );
        let ui = &mut child;
        ui.style_mut().override_font_id = Some(theme::body());

        // Preset browser.
        let dirty = self.is_dirty(access);
        let name = self
            .current
            .and_then(|i| self.entries.get(i))
            .map_or("(no preset)".to_string(), |e| e.preset.name.clone());
        if ui.button("<").on_hover_text("Previous preset").clicked() && !self.entries.is_empty() {
            let previous = self
                .current
                .map_or(self.entries.len() - 1, |i| (i + self.entries.len() - 1) % self.entries.len());
            self.load(previous, access);
        }
        let mut chosen = None;
        egui::ComboBox::from_id_salt("preset-browser")
            .width(190.0)
            .selected_text(format!("{}{}", name, if dirty { " *" } else { "" }))
            .height(420.0)
            .show_ui(ui, |ui| {
                let mut category = String::new();
                for (i, entry) in self.entries.iter().enumerate() {
                    let heading = if entry.user { "User".to_string() } else { entry.preset.category.clone() };
                    if heading != category {
                        ui.label(egui::RichText::new(&heading).font(theme::small()).color(theme::TEXT_DIM));
                        category = heading;
                    }
                    if ui
                        .selectable_label(self.current == Some(i), &entry.preset.name)
                        .on_hover_text(&entry.preset.description)
                        .clicked()
                    {
                        chosen = Some(i);
                    }
                }
            });
        if let Some(i) = chosen {
            self.load(i, access);
        }
        let next = ui.button(">").on_hover_text("Next preset");
        ui.data_mut(|d| d.insert_temp(egui::Id::unique("next-preset"), next.rect));
        if next.clicked() && !self.entries.is_empty() {
            let next = self.current.map_or(0, |i| (i + 1) % self.entries.len());
            self.load(next, access);
        }
        self.save_as(ui, access);

        ui.add_space(14.0);
        for (slot, label) in ["A", "B"].into_iter().enumerate() {
            if ui.selectable_label(self.active_slot == slot, label).on_hover_text("A/B compare").clicked() {
                self.select_slot(slot, access);
            }
        }
        let copy_label = format!("Copy to {}", ["A", "B"][1 - self.active_slot]);
        if ui.button(copy_label).on_hover_text("Copy the live settings to the other slot").clicked() {
            self.slots[1 - self.active_slot] = Some(access.values());
        }

        ui.add_space(14.0);
        if let Some(bypass) = index_of(BYPASS_ID) {
            let on = runnel_engine::params::spec::is_on(access.get(bypass));
            let text = egui::RichText::new("Bypass").color(if on { theme::PLOT } else { theme::TEXT });
            let button = egui::Button::new(text).fill(if on {
                theme::METER_HIGH
            } else {
                ui.visuals().widgets.inactive.weak_bg_fill
            });
            if ui.add(button).on_hover_text(PARAMS[bypass].name).clicked() {
                access.set_once(bypass, if on { 0.0 } else { 1.0 });
            }
        }

        ui.add_space(14.0);
        egui::ComboBox::from_id_salt("scale")
            .width(62.0)
            .selected_text(format!("{:.0} %", *scale * 100.0))
            .show_ui(ui, |ui| {
                for s in [0.75, 1.0, 1.25, 1.5, 1.75, 2.0] {
                    ui.selectable_value(scale, s, format!("{:.0} %", s * 100.0));
                }
            });
        if let Some(message) = &self.message {
            ui.label(egui::RichText::new(message).font(theme::small()).color(theme::TEXT_DIM));
        }
    }

    /// The "Save as…" button and, while open, its name field (Enter saves to the user folder).
    fn save_as(&mut self, ui: &mut Ui, access: &dyn ParamAccess) {
        match self.save_name.take() {
            None => {
                if ui.button("Save as…").clicked() {
                    self.save_name = Some(
                        self.current
                            .and_then(|i| self.entries.get(i))
                            .map_or("My preset".into(), |e| e.preset.name.clone()),
                    );
                }
            }
            Some(mut name) => {
                let field = ui.add(egui::TextEdit::singleline(&mut name).desired_width(120.0));
                field.request_focus();
                if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    self.save(&name, access);
                } else if !ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    self.save_name = Some(name);
                }
            }
        }
    }

    /// Saves the live settings as a user preset named `name` and selects it.
    fn save(&mut self, name: &str, access: &dyn ParamAccess) {
        let Some(dir) = user::preset_dir() else {
            self.message = Some("no user preset folder".into());
            return;
        };
        let preset = Preset::new(name, "User", "", access.values());
        match std::fs::create_dir_all(&dir).and_then(|_| user::save(&dir, &preset)) {
            Ok(_) => {
                self.reload();
                self.current = self.entries.iter().position(|e| e.user && e.preset.name == name);
                self.message = Some(format!("saved “{name}”"));
            }
            Err(e) => self.message = Some(format!("save failed: {e}")),
        }
    }
}

/// Whether two sets of values are the same for every preset parameter.
pub fn same_values(a: &ParamValues, b: &ParamValues) -> bool {
    a.iter().zip(b.iter()).filter(|((spec, _), _)| spec.in_presets()).all(|((_, x), (_, y))| {
        x == y || (x - y).abs() <= SAME_VALUE_TOLERANCE * x.abs().max(y.abs()).max(1.0)
    })
}
