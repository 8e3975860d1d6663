//! RUNNEL PATCH (see patches/README.md): a CLAP preset-discovery factory
//! (`clap.preset-discovery-factory/2`) for presets embedded in a plugin. A plugin opts in through
//! [`ClapPlugin::CLAP_PRESET_PROVIDER`] and lists its presets with
//! [`ClapPlugin::clap_factory_presets()`]; the provider declares one location of kind
//! `CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN` and reports every preset there, keyed by its load key.
//! The wrapper's `clap.preset-load` extension then loads a preset by that key through
//! [`ClapPlugin::clap_factory_preset_state()`].

use clap_sys::factory::preset_discovery::{
    CLAP_PRESET_DISCOVERY_FACTORY_ID, CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT,
    CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT, CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
    clap_preset_discovery_factory, clap_preset_discovery_indexer, clap_preset_discovery_location,
    clap_preset_discovery_location_kind, clap_preset_discovery_metadata_receiver,
    clap_preset_discovery_provider, clap_preset_discovery_provider_descriptor,
};
use clap_sys::universal_plugin_id::clap_universal_plugin_id;
use clap_sys::version::CLAP_VERSION;
use std::ffi::{CStr, CString, c_char, c_void};

use super::ClapPlugin;

/// The preset-discovery provider a plugin offers for the presets it embeds.
#[derive(Debug, Clone, Copy)]
pub struct ClapPresetProvider {
    /// Unique provider ID, e.g. `com.manufacturer.plugin.factory-presets`.
    pub id: &'static str,
    /// Provider name shown by hosts, also the name of its single location.
    pub name: &'static str,
}

/// One preset embedded in the plugin, as the provider reports it to hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClapFactoryPreset {
    /// The key hosts pass back to `clap.preset-load` (stable across versions).
    pub load_key: String,
    /// Display name.
    pub name: String,
    /// Short description (not reported when empty).
    pub description: String,
    /// Free-form features for indexing and search (e.g. the preset's category).
    pub features: Vec<String>,
}

/// The factory behind `clap.preset-discovery-factory/2`: one provider per exported plugin that
/// has one. `repr(C)` with the CLAP vtable first, so the pointer hosts get back is this struct.
#[repr(C)]
pub struct PresetDiscoveryFactory {
    /// The vtable handed to hosts.
    clap_factory: clap_preset_discovery_factory,
    /// The providers, in export order.
    providers: Vec<ProviderEntry>,
}

/// A provider's descriptor (pointing into the strings it owns) and where its presets come from.
pub struct ProviderEntry {
    /// The descriptor hosts read; its strings point into `_strings`.
    descriptor: clap_preset_discovery_provider_descriptor,
    /// ID, name and vendor, kept alive for `descriptor`.
    _strings: [CString; 3],
    /// The plugin's CLAP ID, reported with every preset.
    plugin_id: CString,
    /// The provider's name, also the name of its location.
    name: CString,
    /// The plugin's preset list.
    presets: fn() -> Vec<ClapFactoryPreset>,
}

// SAFETY: the raw pointers in `descriptor` point into the `CString`s owned by the same entry,
// which are never modified.
unsafe impl Send for ProviderEntry {}
// SAFETY: see `Send`; all access is read-only.
unsafe impl Sync for ProviderEntry {}

impl ProviderEntry {
    /// The provider of plugin `P`, if it declares one.
    pub fn for_plugin<P: ClapPlugin>() -> Option<Self> {
        let provider = P::CLAP_PRESET_PROVIDER?;
        let strings = [
            CString::new(provider.id).ok()?,
            CString::new(provider.name).ok()?,
            CString::new(P::VENDOR).ok()?,
        ];
        let descriptor = clap_preset_discovery_provider_descriptor {
            clap_version: CLAP_VERSION,
            id: strings[0].as_ptr(),
            name: strings[1].as_ptr(),
            vendor: strings[2].as_ptr(),
        };
        Some(Self {
            descriptor,
            plugin_id: CString::new(P::CLAP_ID).ok()?,
            name: strings[1].clone(),
            _strings: strings,
            presets: P::clap_factory_presets,
        })
    }
}

impl PresetDiscoveryFactory {
    /// A factory with the providers that exist (`None`s are plugins without one).
    pub fn new(providers: impl IntoIterator<Item = Option<ProviderEntry>>) -> Self {
        Self {
            clap_factory: clap_preset_discovery_factory {
                count: Some(Self::count),
                get_descriptor: Some(Self::get_descriptor),
                create: Some(Self::create),
            },
            providers: providers.into_iter().flatten().collect(),
        }
    }

    /// The factory for `get_factory(factory_id)`: this one for both preset-discovery IDs if it
    /// has a provider, otherwise null.
    pub fn for_factory_id(&self, factory_id: &CStr) -> *const c_void {
        let is_preset_discovery = factory_id == CLAP_PRESET_DISCOVERY_FACTORY_ID
            || factory_id == CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT;
        if is_preset_discovery && !self.providers.is_empty() {
            self as *const Self as *const c_void
        } else {
            std::ptr::null()
        }
    }

    /// # Safety
    /// `factory` must be the pointer [`for_factory_id`](Self::for_factory_id) returned.
    unsafe fn from_ptr<'a>(factory: *const clap_preset_discovery_factory) -> &'a Self {
        unsafe { &*(factory as *const Self) }
    }

    unsafe extern "C" fn count(factory: *const clap_preset_discovery_factory) -> u32 {
        check_null_ptr!(0, factory);
        unsafe { Self::from_ptr(factory) }.providers.len() as u32
    }

    unsafe extern "C" fn get_descriptor(
        factory: *const clap_preset_discovery_factory,
        index: u32,
    ) -> *const clap_preset_discovery_provider_descriptor {
        check_null_ptr!(std::ptr::null(), factory);
        match unsafe { Self::from_ptr(factory) }.providers.get(index as usize) {
            Some(entry) => &entry.descriptor,
            None => std::ptr::null(),
        }
    }

    unsafe extern "C" fn create(
        factory: *const clap_preset_discovery_factory,
        indexer: *const clap_preset_discovery_indexer,
        provider_id: *const c_char,
    ) -> *const clap_preset_discovery_provider {
        check_null_ptr!(std::ptr::null(), factory, indexer, provider_id);
        let provider_id = unsafe { CStr::from_ptr(provider_id) };
        let factory = unsafe { Self::from_ptr(factory) };
        match factory.providers.iter().find(|entry| entry._strings[0].as_c_str() == provider_id) {
            Some(entry) => Provider::create(entry, indexer),
            None => std::ptr::null(),
        }
    }
}

/// A preset's strings as C strings.
struct PresetStrings {
    /// `ClapFactoryPreset::load_key`.
    load_key: CString,
    /// `ClapFactoryPreset::name`.
    name: CString,
    /// `ClapFactoryPreset::description`.
    description: CString,
    /// `ClapFactoryPreset::features`.
    features: Vec<CString>,
}

impl PresetStrings {
    /// `None` for a preset whose texts contain NUL bytes (C cannot carry them).
    fn new(preset: ClapFactoryPreset) -> Option<Self> {
        Some(Self {
            load_key: CString::new(preset.load_key).ok()?,
            name: CString::new(preset.name).ok()?,
            description: CString::new(preset.description).ok()?,
            features: preset.features.into_iter().map(CString::new).collect::<Result<_, _>>().ok()?,
        })
    }
}

/// A provider instance, owned by the host between `create` and `destroy`. `repr(C)` with the
/// CLAP vtable first, so the provider pointer is this struct.
#[repr(C)]
struct Provider {
    /// The vtable handed to the host.
    clap_provider: clap_preset_discovery_provider,
    /// The host's indexer, valid for the provider's lifetime.
    indexer: *const clap_preset_discovery_indexer,
    /// The location's name.
    location_name: CString,
    /// The plugin's CLAP ID.
    plugin_id: CString,
    /// Every preset.
    presets: Vec<PresetStrings>,
}

impl Provider {
    /// A new provider for `entry`, leaked to the host until `destroy`.
    fn create(
        entry: &ProviderEntry,
        indexer: *const clap_preset_discovery_indexer,
    ) -> *const clap_preset_discovery_provider {
        let provider = Box::new(Self {
            clap_provider: clap_preset_discovery_provider {
                desc: &entry.descriptor,
                provider_data: std::ptr::null_mut(),
                init: Some(Self::init),
                destroy: Some(Self::destroy),
                get_metadata: Some(Self::get_metadata),
                get_extension: Some(Self::get_extension),
            },
            indexer,
            location_name: entry.name.clone(),
            plugin_id: entry.plugin_id.clone(),
            presets: (entry.presets)().into_iter().filter_map(PresetStrings::new).collect(),
        });
        let provider = Box::into_raw(provider);
        unsafe { (*provider).clap_provider.provider_data = provider as *mut c_void };
        provider as *const clap_preset_discovery_provider
    }

    /// # Safety
    /// `provider` must come from [`create`](Self::create) and not be destroyed yet.
    unsafe fn from_ptr<'a>(provider: *const clap_preset_discovery_provider) -> &'a Self {
        unsafe { &*(provider as *const Self) }
    }

    /// Declares the single location: the presets inside the plugin.
    unsafe extern "C" fn init(provider: *const clap_preset_discovery_provider) -> bool {
        check_null_ptr!(false, provider);
        let this = unsafe { Self::from_ptr(provider) };
        let location = clap_preset_discovery_location {
            flags: CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
            name: this.location_name.as_ptr(),
            kind: CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
            location: std::ptr::null(),
        };
        match unsafe { (*this.indexer).declare_location } {
            Some(declare_location) => unsafe { declare_location(this.indexer, &location) },
            None => false,
        }
    }

    unsafe extern "C" fn destroy(provider: *const clap_preset_discovery_provider) {
        check_null_ptr!((), provider);
        drop(unsafe { Box::from_raw(provider as *mut Self) });
    }

    /// Reports every preset of the plugin location; other locations hold none of ours.
    unsafe extern "C" fn get_metadata(
        provider: *const clap_preset_discovery_provider,
        location_kind: clap_preset_discovery_location_kind,
        _location: *const c_char,
        receiver: *const clap_preset_discovery_metadata_receiver,
    ) -> bool {
        check_null_ptr!(false, provider, receiver);
        if location_kind != CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN {
            return false;
        }
        let this = unsafe { Self::from_ptr(provider) };
        let receiver = unsafe { &*receiver };
        let plugin_id = clap_universal_plugin_id { abi: c"clap".as_ptr(), id: this.plugin_id.as_ptr() };
        for preset in &this.presets {
            let begun = match receiver.begin_preset {
                Some(begin_preset) => unsafe {
                    begin_preset(receiver, preset.name.as_ptr(), preset.load_key.as_ptr())
                },
                None => false,
            };
            // The host may stop the listing; then nothing more may be reported.
            if !begun {
                break;
            }
            unsafe {
                if let Some(add_plugin_id) = receiver.add_plugin_id {
                    add_plugin_id(receiver, &plugin_id);
                }
                if let Some(set_flags) = receiver.set_flags {
                    set_flags(receiver, CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT);
                }
                if let Some(set_description) = receiver.set_description
                    && !preset.description.is_empty()
                {
                    set_description(receiver, preset.description.as_ptr());
                }
                if let Some(add_feature) = receiver.add_feature {
                    for feature in &preset.features {
                        add_feature(receiver, feature.as_ptr());
                    }
                }
            }
        }
        true
    }

    unsafe extern "C" fn get_extension(
        _provider: *const clap_preset_discovery_provider,
        _extension_id: *const c_char,
    ) -> *const c_void {
        std::ptr::null()
    }
}
