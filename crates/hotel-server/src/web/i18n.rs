//! The message catalogue: every user-visible string of the dashboard, by
//! key, one file per language in `crates/hotel-server/locales/`.
//!
//! A file holds `key = text` lines (`#` starts a comment); `{name}` in a
//! text is replaced by an argument. Adding a language is adding its file and
//! one line to [`CATALOGUES`]. A missing key shows as the key itself, and a
//! unit test checks that every key the code uses exists in English.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, header};

/// Languages the dashboard speaks: (tag, catalogue file). The first is the
/// default and the reference every other must cover.
pub const CATALOGUES: [(&str, &str); 1] = [("en", include_str!("../../locales/en.txt"))];

/// Prefix of the keys that scripts need; the page hands them over as JSON.
pub const SCRIPT_PREFIX: &str = "js.";

struct Catalogue {
    tag: &'static str,
    texts: HashMap<&'static str, &'static str>,
}

static LOADED: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    CATALOGUES
        .iter()
        .map(|(tag, text)| Catalogue {
            tag,
            texts: parse(text),
        })
        .collect()
});

/// The catalogue of one request's language.
#[derive(Clone, Copy)]
pub struct Tr {
    catalogue: &'static Catalogue,
}

impl Tr {
    /// The default language (English).
    pub fn default_language() -> Self {
        Self {
            catalogue: &LOADED[0],
        }
    }

    /// The best language for the request's `Accept-Language`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let wanted = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let found = wanted
            .split(',')
            .map(|part| part.split(';').next().unwrap_or("").trim())
            .map(|tag| tag.split('-').next().unwrap_or("").to_ascii_lowercase())
            .find_map(|tag| LOADED.iter().find(|c| c.tag == tag));
        found.map_or_else(Self::default_language, |catalogue| Self { catalogue })
    }

    /// The language tag, for `<html lang>`.
    pub fn lang(&self) -> &'static str {
        self.catalogue.tag
    }

    /// The text of `key`.
    pub fn t(&self, key: &'static str) -> &'static str {
        self.catalogue
            .texts
            .get(key)
            .or_else(|| LOADED[0].texts.get(key))
            .copied()
            .unwrap_or(key)
    }

    /// The text of `key` with `{name}` placeholders replaced.
    pub fn f(&self, key: &'static str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// The script texts (keys under [`SCRIPT_PREFIX`]) as a JSON object.
    pub fn script_texts_json(&self) -> String {
        let map: std::collections::BTreeMap<_, _> = LOADED[0]
            .texts
            .keys()
            .filter(|k| k.starts_with(SCRIPT_PREFIX))
            .map(|k| (&k[SCRIPT_PREFIX.len()..], self.t(k)))
            .collect();
        serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_owned())
    }
}

fn parse(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_the_code_is_in_the_english_catalogue() {
        let english = parse(CATALOGUES[0].1);
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
        let mut missing = Vec::new();
        let mut files = vec![std::path::PathBuf::from(root)];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for call in [".t(\"", ".f(\""] {
                for piece in source.split(call).skip(1) {
                    let key = piece.split('"').next().unwrap();
                    if !english.contains_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from en.txt: {missing:?}");
    }

    #[test]
    fn catalogue_has_no_duplicate_keys() {
        let keys: Vec<_> = CATALOGUES[0]
            .1
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
            .collect();
        let unique: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(keys.len(), unique.len());
    }

    #[test]
    fn fills_placeholders_and_falls_back_to_english() {
        let tr = Tr::from_headers(&HeaderMap::new());
        assert_eq!(tr.lang(), "en");
        assert_eq!(tr.f("overview.count", &[("n", "3")]), "3 rooms");
        let missing = "no.such.key";
        assert_eq!(tr.t(missing), missing);
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, "xx-YY, en;q=0.5".parse().unwrap());
        assert_eq!(Tr::from_headers(&headers).lang(), "en");
        assert!(tr.script_texts_json().contains("\"control.ack\""));
    }
}
