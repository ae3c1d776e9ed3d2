//! The request's services, lent to async-graphql's resolvers for one execution.
//!
//! async-graphql keeps request data as `Any + Send + Sync + 'static` and wants `Send` resolver
//! futures; the services borrow the request (its store, its hubs) and are single-threaded like
//! the worker. So the resolvers reach them through `Lent`, a pointer the handler creates for
//! one `execute` it awaits to the end, and their futures are `AssertSend`: a Worker isolate has
//! one thread, and the native tests run each request on one thread too, so nothing ever
//! crosses threads (the same reasoning as the worker crate's `SendFuture`).
//!
//! Every call goes to the same service function REST's dispatcher calls for the same
//! operation (`api::dispatch`): this is the whole of what GraphQL can do to the data.

use crate::engine::find::FindOptions;
use crate::engine::write::Outcome;
use crate::error::{Code, ParseError, Result};
use crate::service::{
    accounts, email_verification, objects, orders, password_reset, schemas, Context, Services,
};
use crate::store::Store;
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Engine reads one GraphQL request may make (root fields, relation connections, read-backs):
/// aliases multiply work, and this bounds it whatever the shape.
pub const MAX_READS_PER_REQUEST: u32 = 50;

/// One service call, in the terms of the service layer.
#[derive(Debug, Clone)]
pub enum Call {
    Find {
        class: String,
        options: FindOptions,
    },
    Get {
        class: String,
        object_id: String,
        options: FindOptions,
    },
    Create {
        class: String,
        body: Map<String, Value>,
    },
    Update {
        class: String,
        object_id: String,
        body: Map<String, Value>,
    },
    Delete {
        class: String,
        object_id: String,
    },
    SignUp {
        body: Map<String, Value>,
    },
    LogIn {
        credentials: Map<String, Value>,
    },
    LogOut,
    /// `POST /requestPasswordReset`'s service.
    RequestPasswordReset {
        body: Map<String, Value>,
    },
    /// `POST /verificationEmailRequest`'s service.
    RequestVerificationEmail {
        body: Map<String, Value>,
    },
    /// The signed-in user with its session token.
    Viewer,
    /// The user a session token (just issued by a sign-up) speaks for, with the token.
    ViewerOf {
        token: String,
    },
    Checkout {
        body: Map<String, Value>,
    },
    ListSchemas,
    GetSchema {
        class: String,
    },
    CreateSchema {
        class: String,
        body: Map<String, Value>,
    },
    UpdateSchema {
        class: String,
        body: Map<String, Value>,
    },
    DropSchema {
        class: String,
    },
}

pub type Answer<'s> = Pin<Box<dyn Future<Output = Result<Value>> + 's>>;

/// What resolvers may ask of the request.
pub trait Calls {
    fn call(&self, call: Call) -> Answer<'_>;
    fn is_master(&self) -> bool;
}

/// The request's `Calls`, lent to the resolvers of one execution.
#[derive(Clone, Copy)]
pub struct Lent(*const (dyn Calls + 'static));

// SAFETY: a Worker isolate runs on one thread, and a native test runs a request on one
// thread: a `Lent` is only ever used on the thread that created it.
unsafe impl Send for Lent {}
// SAFETY: as above; `Calls` is only reached through shared references.
unsafe impl Sync for Lent {}

impl Lent {
    /// # Safety
    /// The `Lent` (and every copy of it) must be dropped before `calls` is: the handler puts it
    /// into one async-graphql request whose execution it awaits before `calls` goes.
    pub unsafe fn new<'c>(calls: &'c (dyn Calls + 'c)) -> Lent {
        let pointer: *const (dyn Calls + 'c) = calls;
        // SAFETY: only the lifetime changes; the caller keeps `calls` alive for longer.
        Lent(unsafe {
            std::mem::transmute::<*const (dyn Calls + 'c), *const (dyn Calls + 'static)>(pointer)
        })
    }

    pub fn get(&self) -> &dyn Calls {
        // SAFETY: `new`'s contract keeps the pointee alive while any `Lent` exists.
        unsafe { &*self.0 }
    }
}

/// A future async-graphql may take for `Send`: see the module's documentation.
pub struct AssertSend<F>(pub F);

// SAFETY: see the module's documentation: nothing in this crate runs on a second thread.
unsafe impl<F> Send for AssertSend<F> {}

impl<F: Future> Future for AssertSend<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        // SAFETY: the only field is pinned structurally and never moved out.
        unsafe { self.map_unchecked_mut(|s| &mut s.0) }.poll(cx)
    }
}

/// The services of one request, for one caller.
pub struct Bridge<'a, 'r, S: Store> {
    pub services: &'r Services<'a, S>,
    pub ctx: RefCell<Context<'a, S>>,
    reads: Cell<u32>,
    master: bool,
    /// The first internal fault's own words, for the request log only.
    pub internal: RefCell<Option<String>>,
}

impl<'a, 'r, S: Store> Bridge<'a, 'r, S> {
    pub fn new(services: &'r Services<'a, S>, ctx: Context<'a, S>) -> Self {
        Bridge {
            services,
            master: ctx.access.is_master(),
            ctx: RefCell::new(ctx),
            reads: Cell::new(0),
            internal: RefCell::new(None),
        }
    }

    fn spend_read(&self) -> Result<()> {
        let reads = self.reads.get() + 1;
        self.reads.set(reads);
        if reads > MAX_READS_PER_REQUEST {
            return Err(ParseError::invalid_query(format!(
                "A GraphQL request may read at most {MAX_READS_PER_REQUEST} times (root fields, aliases and relation fields each read): split it."
            )));
        }
        Ok(())
    }

    fn busy() -> ParseError {
        ParseError::internal("the request context is in use by another resolver")
    }

    // The context is lent across the service call's awaits on purpose: reads share it (a
    // query's root fields run at once), a write takes it alone (a mutation's root fields run
    // one after another, so a write never meets a read in flight), and a borrow that could
    // not be had is an internal error, never a panic.
    #[allow(clippy::await_holding_refcell_ref)]
    async fn run(&self, call: Call) -> Result<Value> {
        match call {
            Call::Find { class, options } => {
                self.spend_read()?;
                let ctx = self.ctx.try_borrow().map_err(|_| Self::busy())?;
                objects::find(&ctx, &class, &options).await
            }
            Call::Get {
                class,
                object_id,
                options,
            } => {
                self.spend_read()?;
                let ctx = self.ctx.try_borrow().map_err(|_| Self::busy())?;
                objects::get(&ctx, &class, &object_id, &options).await
            }
            Call::Create { class, body } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                create(&mut ctx, &class, &body).await
            }
            Call::Update {
                class,
                object_id,
                body,
            } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                let outcome = match class.as_str() {
                    "_User" => accounts::update_user(&mut ctx, &object_id, &body).await?,
                    "Order" if body.contains_key("status") => {
                        return orders::change_status(&ctx, &object_id, &body).await
                    }
                    _ => objects::update(&mut ctx, &class, &object_id, &body).await?,
                };
                Ok(outcome_json(outcome))
            }
            Call::Delete { class, object_id } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                let outcome = match class.as_str() {
                    "_User" => accounts::delete_user(&mut ctx, &object_id).await?,
                    _ => objects::delete(&mut ctx, &class, &object_id).await?,
                };
                Ok(outcome_json(outcome))
            }
            Call::SignUp { body } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                Ok(Value::Object(
                    accounts::sign_up(&mut ctx, &body).await?.answer,
                ))
            }
            Call::LogIn { credentials } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                accounts::log_in(&mut ctx, &credentials).await
            }
            Call::RequestPasswordReset { body } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                password_reset::request(&mut ctx, &body).await?;
                Ok(json!({}))
            }
            Call::RequestVerificationEmail { body } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                email_verification::request_again(&mut ctx, &body).await?;
                Ok(json!({}))
            }
            Call::LogOut => {
                let ctx = self.ctx.try_borrow().map_err(|_| Self::busy())?;
                accounts::log_out(&ctx).await?;
                Ok(json!({}))
            }
            Call::Viewer => {
                let ctx = self.ctx.try_borrow().map_err(|_| Self::busy())?;
                accounts::me(&ctx).await
            }
            Call::ViewerOf { token } => {
                let (client, now) = {
                    let ctx = self.ctx.try_borrow().map_err(|_| Self::busy())?;
                    let mut client = ctx.client.clone();
                    client.session_token = Some(token.clone());
                    (client, ctx.now_ms)
                };
                let access = self.services.authenticate(&token, now).await?;
                let theirs = self.services.context(access, client, now).await?;
                accounts::me(&theirs).await
            }
            Call::Checkout { body } => {
                let ctx = self.ctx.try_borrow().map_err(|_| Self::busy())?;
                orders::checkout(&ctx, &body).await
            }
            Call::ListSchemas => {
                let ctx = self.ctx.try_borrow().map_err(|_| Self::busy())?;
                schemas::list(&ctx)
            }
            Call::GetSchema { class } => {
                let ctx = self.ctx.try_borrow().map_err(|_| Self::busy())?;
                schemas::get(&ctx, &class)
            }
            Call::CreateSchema { class, body } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                schemas::create(&mut ctx, &class, &body).await
            }
            Call::UpdateSchema { class, body } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                schemas::update(&mut ctx, &class, &body).await
            }
            Call::DropSchema { class } => {
                let mut ctx = self.ctx.try_borrow_mut().map_err(|_| Self::busy())?;
                schemas::drop_class(&mut ctx, &class).await
            }
        }
    }
}

/// A create, as REST's dispatcher routes it: users by sign-up, orders by checkout (the master
/// key's as plain creates, as REST), sessions never.
async fn create<S: Store>(
    ctx: &mut Context<'_, S>,
    class: &str,
    body: &Map<String, Value>,
) -> Result<Value> {
    match class {
        "_User" => {
            let mut answer = accounts::sign_up(ctx, body).await?.answer;
            // The new account's session stays with whoever signs in as it; `signUp` hands
            // it out, a plain create does not.
            answer.remove("sessionToken");
            Ok(Value::Object(answer))
        }
        "_Session" => Err(ParseError::forbidden(
            "A session is created by signing up or logging in.",
        )),
        "Order" if !ctx.access.is_master() => {
            Ok(Value::Object(orders::place(ctx, body).await?.answer))
        }
        _ => Ok(outcome_json(objects::create(ctx, class, body).await?)),
    }
}

/// A write's outcome as the JSON REST answers it with.
fn outcome_json(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Created {
            object_id,
            created_at,
            mut server_fields,
        } => {
            server_fields.insert("objectId".into(), json!(object_id));
            server_fields.insert("createdAt".into(), json!(created_at));
            Value::Object(server_fields)
        }
        Outcome::Updated(answer) => Value::Object(answer),
        Outcome::Deleted => json!({}),
    }
}

impl<S: Store> Calls for Bridge<'_, '_, S> {
    fn call(&self, call: Call) -> Answer<'_> {
        Box::pin(async move {
            match self.run(call).await {
                Err(e) if e.code == Code::Internal => {
                    self.internal
                        .borrow_mut()
                        .get_or_insert_with(|| e.message.clone());
                    Err(e)
                }
                other => other,
            }
        })
    }

    fn is_master(&self) -> bool {
        self.master
    }
}
