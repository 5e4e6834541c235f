//! Fixed picklists of the case-data standard: an enum per list, each value with a stable
//! code (stored, and used by imports) and its Human Trafficking Case Data Standard value
//! (used by the HTCDS export). Labels live in the locale files as `<list>-<code>`.

/// Declares a picklist enum: `picklist!(Name, "list-name", "field", [Variant => ("code", "HtcdsValue"), …]);`
#[macro_export]
macro_rules! picklist {
    ($(#[$meta:meta])* $name:ident, $list:literal, $field:literal, [$($variant:ident => ($code:literal, $htcds:literal)),+ $(,)?]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The list's name: the prefix of its labels' message keys.
            pub const LIST: &'static str = $list;

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The value in the Human Trafficking Case Data Standard.
            pub fn htcds(self) -> &'static str {
                match self {
                    $($name::$variant => $htcds),+
                }
            }

            /// The message key of the label (`<list>-<code>`).
            pub fn label_key(self) -> String {
                format!("{}-{}", $list, self.code())
            }

            pub fn parse(s: &str) -> Result<Self, $crate::Invalid> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == s.trim())
                    .ok_or($crate::Invalid::new($field, "invalid-choice"))
            }

            /// Parses several codes, ignoring duplicates and keeping display order.
            pub fn parse_many<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<Vec<Self>, $crate::Invalid> {
                let mut out = Vec::new();
                for c in codes {
                    let v = Self::parse(c)?;
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                out.sort();
                Ok(out)
            }
        }

        // Described to the API as the closed list of its codes.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::ALL.iter().map(|v| v.code())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        // Serialised as the stable code (what the API and the stored columns use).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&code).map_err(|_| serde::de::Error::custom("unknown code"))
            }
        }
    };
}
