//! `Extern`: anything an instance imports or exports.

use crate::{Func, Global, Memory, Table};

/// A function, global, table or memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
}

macro_rules! extern_conv {
    ($($variant:ident $ty:ident $into:ident;)*) => {
        impl Extern {
            $(
                /// The inner item, if it is of this kind.
                pub fn $into(self) -> Option<$ty> {
                    match self {
                        Extern::$variant(x) => Some(x),
                        _ => None,
                    }
                }
            )*
        }
        $(
            impl From<$ty> for Extern {
                fn from(x: $ty) -> Extern {
                    Extern::$variant(x)
                }
            }
        )*
    };
}

extern_conv! {
    Func Func into_func;
    Global Global into_global;
    Table Table into_table;
    Memory Memory into_memory;
}

/// A named export of an instance.
#[derive(Clone, Debug)]
pub struct Export {
    name: String,
    item: Extern,
}

impl Export {
    pub(crate) fn new(name: String, item: Extern) -> Self {
        Self { name, item }
    }

    /// The export's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The exported item.
    pub fn into_extern(self) -> Extern {
        self.item
    }
}
