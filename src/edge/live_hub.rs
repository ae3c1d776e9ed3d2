//! `LiveHub`: the global live hub. Every committed write is published to it; it serves the live
//! connections that are not an artisan's dashboard. One instance today (`GLOBAL`); the name is
//! the shard key should one hub's sockets outgrow an isolate.

use super::live::LiveRoom;
use crate::engine::change::Change;
use crate::live::socket::Sockets;
use std::cell::RefCell;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

pub const GLOBAL: &str = "global";

#[durable_object]
pub struct LiveHub {
    state: State,
    env: Env,
    sockets: RefCell<Sockets>,
    /// One socket frame at a time (see `LiveRoom::frames`).
    frames: futures::lock::Mutex<()>,
}

impl DurableObject for LiveHub {
    fn new(state: State, env: Env) -> Self {
        LiveHub {
            state,
            env,
            sockets: RefCell::default(),
            frames: futures::lock::Mutex::new(()),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if let Some(pong) = super::health::answer_ping(&req) {
            return pong;
        }
        let room = self.live_room();
        if req.headers().get("upgrade")?.is_some() {
            return room.accept();
        }
        let changes: Vec<Change> = req.json().await?;
        room.publish(&changes).await?;
        Response::ok("")
    }

    super::live::live_socket_handlers!();

    async fn alarm(&self) -> Result<Response> {
        Response::ok("")
    }
}

impl LiveHub {
    /// Its live sockets, served as every hub serves them.
    fn live_room(&self) -> LiveRoom<'_> {
        LiveRoom {
            state: &self.state,
            env: &self.env,
            sockets: &self.sockets,
            frames: &self.frames,
        }
    }
}
