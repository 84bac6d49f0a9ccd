//! The interpreter: runs the IR on sample customers with a simulated clock.
//!
//! [`program`] compiles a journey's IR into indexed form, [`engine`] moves a customer through it,
//! [`scenario`] runs `test` blocks and [`replay`] replays event logs. [`world`] runs every
//! journey of a project together for one customer (shared caps, arbitration), which `journeyc
//! test` and `journeyc run` use.

pub mod clock;
pub mod describe;
pub mod engine;
pub mod payload;
pub mod program;
pub mod replay;
pub mod scenario;
pub mod simulate;
pub mod time;
pub mod value;
pub mod world;
pub mod zone;

pub mod explain;
