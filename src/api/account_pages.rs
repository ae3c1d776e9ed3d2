//! The pages mailed links open, as Parse Server serves them under the mount path:
//! `GET /apps/<appId>/verify_email?token=…` verifies and says so, and
//! `GET|POST /apps/<appId>/request_password_reset` shows and takes the new-password form.
//!
//! Plain HTML that works without JavaScript, carries no user data (no name, no email: whoever
//! holds a link learns nothing from the page), is never cached, never framed, sends no
//! `Referer` (the token is in the URL), and runs nothing (`default-src 'none'`).

use super::http::{HttpRequest, HttpResponse};
use crate::engine::access::Access;
use crate::error::Result;
use crate::platform::now_ms;
use crate::service::mail::escape_html;
use crate::service::password_reset::{self, Reset};
use crate::service::{email_verification, Client, Services};
use crate::store::Store;
use percent_encoding::percent_decode_str;

/// Serves `http` when it is one of the pages; `None` for every other path.
pub async fn serve<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
) -> Option<HttpResponse> {
    let config = services.config;
    let rest = http
        .path
        .strip_prefix(config.mount_path.trim_end_matches('/'))?
        .strip_prefix("/apps/")?;
    let (app_id, page) = rest.split_once('/').unwrap_or((rest, ""));
    let app_name = &config.accounts.app_name;
    if percent_decode_str(app_id).decode_utf8_lossy() != config.app_id {
        return Some(html(
            404,
            app_name,
            "Not found",
            "<p>There is no page here.</p>",
        ));
    }
    let answer = match (http.method.to_ascii_uppercase().as_str(), page) {
        ("GET", "verify_email") => verify_email(services, http).await,
        ("GET", "request_password_reset") => reset_form(services, http).await,
        ("POST", "request_password_reset") => reset_submitted(services, http).await,
        _ => Ok(html(
            404,
            app_name,
            "Not found",
            "<p>There is no page here.</p>",
        )),
    };
    Some(answer.unwrap_or_else(|_| {
        html(
            503,
            app_name,
            "Please try again",
            "<p>Something went wrong on our side. Please open the link again in a moment.</p>",
        )
    }))
}

/// The page's route for the request log (never the path itself: it names the app id).
pub fn log_template(path: &str) -> &'static str {
    match path.rsplit('/').next() {
        Some("verify_email") => "/apps/:appId/verify_email",
        Some("request_password_reset") => "/apps/:appId/request_password_reset",
        _ => "/apps/:appId/:page",
    }
}

fn query_token(http: &HttpRequest) -> String {
    form_urlencoded::parse(http.query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn context<'a, S: Store>(
    services: &Services<'a, S>,
    http: &HttpRequest,
) -> Result<crate::service::Context<'a, S>> {
    let client = Client {
        ip: http.header("cf-connecting-ip").map(String::from),
        origin: http.origin.clone(),
        ..Client::default()
    };
    services.context(Access::public(), client, now_ms()).await
}

async fn verify_email<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
) -> Result<HttpResponse> {
    let ctx = context(services, http).await?;
    let app_name = &services.config.accounts.app_name;
    Ok(
        if email_verification::verify(&ctx, &query_token(http)).await? {
            html(
                200,
                app_name,
                "Email verified",
                "<p>Thank you: your email address is confirmed. You can close this page.</p>",
            )
        } else {
            invalid_link(app_name, "verification")
        },
    )
}

async fn reset_form<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
) -> Result<HttpResponse> {
    let ctx = context(services, http).await?;
    let token = query_token(http);
    let app_name = &services.config.accounts.app_name;
    Ok(match password_reset::holder(&ctx, &token).await? {
        Some(_) => form(
            200,
            app_name,
            &token,
            services.config.accounts.password_min_length,
            None,
        ),
        None => invalid_link(app_name, "reset"),
    })
}

async fn reset_submitted<S: Store>(
    services: &Services<'_, S>,
    http: &HttpRequest,
) -> Result<HttpResponse> {
    let mut ctx = context(services, http).await?;
    let field = |name: &str| {
        form_urlencoded::parse(&http.body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let token = match field("token") {
        t if t.is_empty() => query_token(http),
        t => t,
    };
    let (password, confirmation) = (field("new_password"), field("confirm_password"));
    let policy = &services.config.accounts;
    let app_name = &policy.app_name;
    let min = policy.password_min_length;
    if password != confirmation {
        return Ok(form(
            400,
            app_name,
            &token,
            min,
            Some("The two passwords differ: type the same one twice."),
        ));
    }
    Ok(match password_reset::reset(&mut ctx, &token, &password).await {
        Ok(Reset::Done) => html(
            200,
            app_name,
            "Password changed",
            "<p>Your password is changed, and every device signed in to your account is signed out. Log in again with the new password.</p>",
        ),
        Ok(Reset::Refused(reason)) => form(400, app_name, &token, min, Some(&reason)),
        Ok(Reset::LinkInvalid) => invalid_link(app_name, "reset"),
        Err(e) if e.code == crate::error::Code::RequestLimitExceeded => {
            form(429, app_name, &token, min, Some("Too many attempts from your network: please try again later."))
        }
        Err(e) => return Err(e),
    })
}

fn invalid_link(app_name: &str, kind: &str) -> HttpResponse {
    let again = if kind == "reset" {
        "Ask for a new password reset from the app."
    } else {
        "Ask for a new verification email from the app."
    };
    html(
        400,
        app_name,
        "This link no longer works",
        &format!("<p>The link is invalid, was already used, or has expired. {again}</p>"),
    )
}

fn form(
    status: u16,
    app_name: &str,
    token: &str,
    min_length: usize,
    problem: Option<&str>,
) -> HttpResponse {
    let problem = problem
        .map(|p| format!("<p class=\"problem\" role=\"alert\">{}</p>", escape_html(p)))
        .unwrap_or_default();
    let body = format!(
        "{problem}<form method=\"post\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <label>New password<input type=\"password\" name=\"new_password\" autocomplete=\"new-password\" required minlength=\"{min_length}\"></label>\
         <label>Type it again<input type=\"password\" name=\"confirm_password\" autocomplete=\"new-password\" required minlength=\"{min_length}\"></label>\
         <button type=\"submit\">Set the new password</button></form>\
         <p class=\"hint\">At least {min_length} characters, and not your username.</p>",
        token = escape_html(token),
    );
    html(status, app_name, "Choose a new password", &body)
}

fn html(status: u16, app_name: &str, title: &str, body: &str) -> HttpResponse {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {app}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}}\
         label{{display:block;margin:1rem 0}}input{{display:block;width:100%;padding:.5rem;margin-top:.25rem;box-sizing:border-box}}\
         button{{padding:.6rem 1rem}}.problem{{color:#a40000}}.hint{{color:#666;font-size:.9rem}}\
         </style></head><body><p>{app}</p><h1>{title}</h1>{body}</body></html>",
        app = escape_html(app_name),
        title = escape_html(title),
    );
    HttpResponse {
        status,
        headers: vec![
            ("content-type".into(), "text/html; charset=utf-8".into()),
            ("cache-control".into(), "no-store".into()),
            ("referrer-policy".into(), "no-referrer".into()),
            ("x-frame-options".into(), "DENY".into()),
            ("x-content-type-options".into(), "nosniff".into()),
            (
                "content-security-policy".into(),
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'".into(),
            ),
        ],
        body: page.into_bytes(),
        stream: None,
    }
}
