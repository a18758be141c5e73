//! The `open_enum!` macro: protocol enums as open newtypes.
//!
//! TLS registries grow, and peers send values keel has never heard of
//! (GREASE, RFC 8701, does so on purpose). A closed Rust `enum` would have to
//! reject or remap those at parse time and could not rebuild the same bytes.
//! An open newtype keeps every value, names the ones keel knows, and leaves
//! "is this value acceptable here?" to the handshake, where policy lives.

/// Defines an open protocol enum: a `Copy` newtype over an unsigned integer
/// with one associated constant per registered value.
///
/// ```text
/// open_enum! {
///     /// Doc comment for the type.
///     pub struct AlertLevel(u8) {
///         /// Optional doc comment for a value.
///         WARNING = 1 => "warning",
///         FATAL = 2 => "fatal",
///     }
/// }
/// ```
///
/// The string is the registry's own name for the value. The macro generates
/// the constants, `KNOWN` (every named value, in order), `name()`,
/// `is_known()`, `Debug`/`Display` (the name, or `Unknown(0x..)`), integer
/// conversions, and big-endian binrw `BinRead`/`BinWrite`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($repr:ty) {
            $(
                $(#[$vmeta:meta])*
                $konst:ident = $value:literal => $text:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis struct $name($repr);

        #[allow(missing_docs)]
        impl $name {
            $(
                $(#[$vmeta])*
                #[doc = concat!("`", $text, "` (", stringify!($value), ")")]
                pub const $konst: Self = Self($value);
            )*

            /// Every value this registry names, in registry order.
            pub const KNOWN: &'static [Self] = &[$(Self::$konst),*];

            /// Wraps any value, known or not.
            #[must_use]
            pub const fn new(value: $repr) -> Self {
                Self(value)
            }

            /// The value as it appears on the wire.
            #[must_use]
            pub const fn get(self) -> $repr {
                self.0
            }

            /// The registry name of this value, if keel knows it.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }

            /// Whether keel knows a name for this value. Knowing a value is
            /// not the same as accepting it: that is the handshake's call.
            #[must_use]
            pub const fn is_known(self) -> bool {
                self.name().is_some()
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(
                        f,
                        "Unknown({:#0width$x})",
                        self.0,
                        width = 2 + 2 * ::core::mem::size_of::<$repr>()
                    ),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(self, f)
            }
        }

        impl From<$repr> for $name {
            fn from(value: $repr) -> Self {
                Self(value)
            }
        }

        impl From<$name> for $repr {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl $crate::vec::FixedSize for $name {
            const SIZE: usize = ::core::mem::size_of::<$repr>();
        }

        impl ::binrw::BinRead for $name {
            type Args<'a> = ();

            fn read_options<R: ::binrw::io::Read + ::binrw::io::Seek>(
                reader: &mut R,
                _endian: ::binrw::Endian,
                _args: (),
            ) -> ::binrw::BinResult<Self> {
                // TLS is big-endian throughout (RFC 5246 §4.4), whatever the caller says.
                <$repr as ::binrw::BinRead>::read_options(reader, ::binrw::Endian::Big, ()).map(Self)
            }
        }

        impl ::binrw::BinWrite for $name {
            type Args<'a> = ();

            fn write_options<W: ::binrw::io::Write + ::binrw::io::Seek>(
                &self,
                writer: &mut W,
                _endian: ::binrw::Endian,
                _args: (),
            ) -> ::binrw::BinResult<()> {
                ::binrw::BinWrite::write_options(&self.0, writer, ::binrw::Endian::Big, ())
            }
        }
    };
}
