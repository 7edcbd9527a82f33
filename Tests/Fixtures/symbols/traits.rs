// Symbolizer fixture: Rust generics, a trait impl on an array and a closure, for v0 names.
mod inner { pub struct Thing<T>(pub T); impl<T: Copy + std::ops::Add<Output=T>> Thing<T> { #[inline(never)] pub fn doubled(&self) -> T { self.0 + self.0 } } }
pub trait Speak { fn speak(&self) -> u32; }
impl Speak for [u8; 4] { #[inline(never)] fn speak(&self) -> u32 { self.iter().map(|&b| b as u32).sum() } }
fn main() { let t = inner::Thing(3u64); let c = |x: &str| x.len(); println!("{} {} {}", t.doubled(), [1u8,2,3,4].speak(), c("hé")); }
