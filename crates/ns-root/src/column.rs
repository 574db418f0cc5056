//! Columnar results: a typed [`Column`] of values and an [`Array`] layout
//! (flat, jagged as offsets + content, strings), and the big-endian decoders.

use crate::kind::Prim;

/// Values of one primitive type, native-endian.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// `bool`.
    Bool(Vec<bool>),
    /// `int8_t`.
    I8(Vec<i8>),
    /// `uint8_t`.
    U8(Vec<u8>),
    /// `int16_t`.
    I16(Vec<i16>),
    /// `uint16_t`.
    U16(Vec<u16>),
    /// `int32_t`.
    I32(Vec<i32>),
    /// `uint32_t`.
    U32(Vec<u32>),
    /// `int64_t`.
    I64(Vec<i64>),
    /// `uint64_t`.
    U64(Vec<u64>),
    /// `float`.
    F32(Vec<f32>),
    /// `double`.
    F64(Vec<f64>),
}

impl Column {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Column::Bool(v) => v.len(),
            Column::I8(v) => v.len(),
            Column::U8(v) => v.len(),
            Column::I16(v) => v.len(),
            Column::U16(v) => v.len(),
            Column::I32(v) => v.len(),
            Column::U32(v) => v.len(),
            Column::I64(v) => v.len(),
            Column::U64(v) => v.len(),
            Column::F32(v) => v.len(),
            Column::F64(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value type.
    pub fn prim(&self) -> Prim {
        match self {
            Column::Bool(_) => Prim::Bool,
            Column::I8(_) => Prim::I8,
            Column::U8(_) => Prim::U8,
            Column::I16(_) => Prim::I16,
            Column::U16(_) => Prim::U16,
            Column::I32(_) => Prim::I32,
            Column::U32(_) => Prim::U32,
            Column::I64(_) => Prim::I64,
            Column::U64(_) => Prim::U64,
            Column::F32(_) => Prim::F32,
            Column::F64(_) => Prim::F64,
        }
    }

    /// The values as `T`, if that is their type.
    pub fn into_vec<T: Primitive>(self) -> Option<Vec<T>> {
        T::from_column(self)
    }
}

/// One branch read over an entry range.
#[derive(Debug, Clone, PartialEq)]
pub enum Array {
    /// `width` values per entry, entry-major (`width` 1 for scalars, 3 for `x[3]/D`).
    Flat {
        /// Values per entry.
        width: usize,
        /// `entries × width` values.
        content: Column,
    },
    /// Variable-length per entry (`x[n]/F`, `std::vector<T>`): entry `i` is
    /// `content[offsets[i]..offsets[i+1]]`; `offsets` has `entries + 1` values from 0.
    Jagged {
        /// Entry boundaries into `content`.
        offsets: Vec<i64>,
        /// All values.
        content: Column,
    },
    /// Doubly jagged (`std::vector<std::vector<T>>`): entry `i` holds the
    /// inner lists `outer[i]..outer[i+1]`; inner list `j` is `content[inner[j]..inner[j+1]]`.
    Jagged2 {
        /// Entry boundaries into the inner lists.
        outer: Vec<i64>,
        /// Inner-list boundaries into `content`.
        inner: Vec<i64>,
        /// All values.
        content: Column,
    },
    /// Strings: entry `i` is `bytes[offsets[i]..offsets[i+1]]` (as stored, normally UTF-8).
    Strings {
        /// Entry boundaries into `bytes`.
        offsets: Vec<i64>,
        /// All string bytes, no terminators.
        bytes: Vec<u8>,
    },
}

impl Array {
    /// Entry `i` of a string array (lossy UTF-8), `None` if not strings or out of range.
    pub fn string(&self, i: usize) -> Option<String> {
        match self {
            Array::Strings { offsets, bytes } if i + 1 < offsets.len() => {
                let s = &bytes[offsets[i] as usize..offsets[i + 1] as usize];
                Some(String::from_utf8_lossy(s).into_owned())
            }
            _ => None,
        }
    }
}

/// A primitive type a branch can be read into.
pub trait Primitive: Copy + Default + Send + Sync + 'static {
    /// Its [`Prim`] tag.
    const PRIM: Prim;
    /// Decode big-endian values: `dst.len() * size` bytes of `src`.
    fn decode(src: &[u8], dst: &mut [Self]);
    /// Wrap values in a [`Column`].
    fn into_column(v: Vec<Self>) -> Column;
    /// Unwrap a [`Column`] of this type.
    fn from_column(c: Column) -> Option<Vec<Self>>;
}

macro_rules! primitive {
    ($t:ty, $p:ident, $n:expr) => {
        impl Primitive for $t {
            const PRIM: Prim = Prim::$p;
            fn decode(src: &[u8], dst: &mut [Self]) {
                for (d, s) in dst.iter_mut().zip(src.chunks_exact($n)) {
                    *d = <$t>::from_be_bytes(s.try_into().expect("chunk size"));
                }
            }
            fn into_column(v: Vec<Self>) -> Column {
                Column::$p(v)
            }
            fn from_column(c: Column) -> Option<Vec<Self>> {
                match c {
                    Column::$p(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}

primitive!(i8, I8, 1);
primitive!(u8, U8, 1);
primitive!(i16, I16, 2);
primitive!(u16, U16, 2);
primitive!(i32, I32, 4);
primitive!(u32, U32, 4);
primitive!(i64, I64, 8);
primitive!(u64, U64, 8);
primitive!(f32, F32, 4);
primitive!(f64, F64, 8);

impl Primitive for bool {
    const PRIM: Prim = Prim::Bool;
    fn decode(src: &[u8], dst: &mut [Self]) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s != 0;
        }
    }
    fn into_column(v: Vec<Self>) -> Column {
        Column::Bool(v)
    }
    fn from_column(c: Column) -> Option<Vec<Self>> {
        match c {
            Column::Bool(v) => Some(v),
            _ => None,
        }
    }
}

/// Call `$body` with `$T` bound to the Rust type of a [`Prim`].
macro_rules! with_prim {
    ($prim:expr, $T:ident => $body:expr) => {
        match $prim {
            Prim::Bool => {
                type $T = bool;
                $body
            }
            Prim::I8 => {
                type $T = i8;
                $body
            }
            Prim::U8 => {
                type $T = u8;
                $body
            }
            Prim::I16 => {
                type $T = i16;
                $body
            }
            Prim::U16 => {
                type $T = u16;
                $body
            }
            Prim::I32 => {
                type $T = i32;
                $body
            }
            Prim::U32 => {
                type $T = u32;
                $body
            }
            Prim::I64 => {
                type $T = i64;
                $body
            }
            Prim::U64 => {
                type $T = u64;
                $body
            }
            Prim::F32 => {
                type $T = f32;
                $body
            }
            Prim::F64 => {
                type $T = f64;
                $body
            }
        }
    };
}
pub(crate) use with_prim;
