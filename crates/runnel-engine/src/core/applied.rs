//! The settings a stage last applied. Hosts hand the engine every parameter with every block;
//! when nothing changed, a stage's `set_settings` would redo its clamps, unit conversions and
//! designs only to hand its smoothers the targets they already have (about 2 800 instructions
//! per block for the whole chain, 5 % of R1 at 64-frame blocks). One comparison skips that.

/// The input of a stage's last `set_settings`, forgotten by `prepare`/`reset` (the first call
/// after them must run in full: it snaps).
///
/// Equal inputs give an equal state only because every stage using this passes its settings to
/// smoother targets (which ignore a target equal to the current one, `-0.0 == 0.0` included)
/// and to pure functions of the settings and of state that `prepare`/`reset` alone change;
/// non-finite inputs (NaN ≠ NaN) always run in full.
#[derive(Debug, Clone, Copy)]
pub struct Applied<T>(Option<T>);

impl<T> Default for Applied<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T: Copy + PartialEq> Applied<T> {
    /// Whether `settings` equals the last ones recorded; records them when not.
    #[inline]
    pub fn is_unchanged(&mut self, settings: &T) -> bool {
        if self.0.as_ref() == Some(settings) {
            return true;
        }
        self.0 = Some(*settings);
        false
    }

    /// Forgets the last settings: the next [`is_unchanged`](Self::is_unchanged) is false.
    #[inline]
    pub fn forget(&mut self) {
        self.0 = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_only_after_the_same_settings_and_not_after_forget() {
        let mut applied = Applied::default();
        assert!(!applied.is_unchanged(&1.0f32));
        assert!(applied.is_unchanged(&1.0));
        assert!(!applied.is_unchanged(&2.0));
        applied.forget();
        assert!(!applied.is_unchanged(&2.0));
        assert!(!applied.is_unchanged(&f32::NAN));
        assert!(!applied.is_unchanged(&f32::NAN));
    }
}
