//! Runs the inventory module linked into this crate: `cargo run -p
//! kiln-example-linked-module`.

fn main() -> kiln::Result<()> {
    let engine = kiln::Engine::default();
    let module = kiln_example_linked_module::load(&engine)?;
    let mut inventory = kiln_example_linked_module::Inventory::new(&module)?;
    println!("total stock: {}", inventory.total()?);
    println!("took item 1, {} left", inventory.take(1)?);
    println!("took item 1, {} left (restocked)", inventory.take(1)?);
    match inventory.take(8) {
        Ok(left) => println!("took item 8?! {left} left"),
        Err(e) => println!("item 8: {e}"),
    }
    Ok(())
}
