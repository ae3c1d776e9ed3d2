//! Parse files through the whole REST stack, on the in-memory bucket: who may upload, the size
//! and type checks, the names, serving (caching headers, 304, ranges), File values in objects,
//! and the end of files nothing references (replaced, deleted, never attached).

use crate::api::http::{HttpRequest, HttpResponse};
use crate::service::files::{self, FilePolicy};
use crate::service::Config;
use crate::store::{Statement, Store};
use crate::testing::bucket::bytes_of;
use crate::testing::World;
use base64::Engine;
use futures::executor::block_on;
use serde_json::{json, Value};

/// A PNG's signature and the start of its header: enough for the type check.
fn png(tag: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend(std::iter::repeat_n(tag, 64));
    bytes
}

fn world_with(files: FilePolicy) -> World {
    World::signing_up().with_config(Config {
        files,
        ..World::signing_up().config
    })
}

fn world() -> World {
    world_with(FilePolicy::default())
}

fn show(r: &HttpResponse) -> String {
    format!("{} {}", r.status, String::from_utf8_lossy(&r.body))
}

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> HttpRequest {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    HttpRequest {
        method: method.into(),
        path: format!("/parse{path}"),
        query: query.into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body,
        origin: "http://localhost".into(),
    }
}

/// A raw upload, as the JS SDK's `saveBinary` sends it.
fn upload(world: &World, name: &str, bytes: Vec<u8>, token: Option<&str>) -> HttpResponse {
    let mut headers = vec![
        ("x-parse-application-id", "artisan-market"),
        ("content-type", "image/png"),
    ];
    if let Some(token) = token {
        headers.push(("x-parse-session-token", token));
    }
    world.handle(&request("POST", &format!("/files/{name}"), &headers, bytes))
}

fn sign_up(world: &World, name: &str, role: &str) -> (String, String) {
    let r = world.call(
        "POST",
        "/users",
        Some(&json!({"username": name, "password": "pw-1234567", "role": role})),
        &[],
    );
    assert_eq!(r.status, 201, "{}", show(&r));
    let body = r.body_json();
    (
        body["objectId"].as_str().unwrap().into(),
        body["sessionToken"].as_str().unwrap().into(),
    )
}

fn call(world: &World, method: &str, path: &str, token: &str, body: Value) -> HttpResponse {
    world.call(
        method,
        path,
        Some(&body),
        &[("x-parse-session-token", token)],
    )
}

/// The name of a stored upload, asserting 201.
fn uploaded(world: &World, name: &str, token: &str) -> String {
    let r = upload(world, name, png(7), Some(token));
    assert_eq!(r.status, 201, "{}", show(&r));
    r.body_json()["name"].as_str().unwrap().to_string()
}

fn file(name: &str) -> Value {
    json!({"__type": "File", "name": name})
}

fn get_file(world: &World, name: &str, headers: &[(&str, &str)]) -> HttpResponse {
    let path = format!(
        "/files/artisan-market/{}",
        crate::engine::files::url("", name)
    );
    world.handle(&request("GET", &path, headers, vec![]))
}

/// The registry's row of `name`, if any.
fn registered(world: &World, name: &str) -> Option<Value> {
    let rows = block_on(world.store.query(&crate::engine::files::lookup(name))).unwrap();
    rows.into_iter().next().map(Value::Object)
}

/// An artisan with its profile: (user token, artisan id).
fn artisan(world: &World, name: &str) -> (String, String) {
    let (_, token) = sign_up(world, name, "artisan");
    let r = call(
        world,
        "POST",
        "/classes/Artisan",
        &token,
        json!({"name": name}),
    );
    assert_eq!(r.status, 201, "{}", show(&r));
    (token, r.body_json()["objectId"].as_str().unwrap().into())
}

fn product(world: &World, token: &str, artisan: &str, sku: &str, images: Value) -> HttpResponse {
    call(
        world,
        "POST",
        "/classes/Product",
        token,
        json!({"sku": sku, "title": "Bowl", "price": 12, "owner": {"__type": "Pointer", "className": "Artisan", "objectId": artisan}, "images": images}),
    )
}

#[test]
fn a_signed_in_user_uploads_and_gets_a_unique_name_and_its_url() {
    let world = world();
    let (user, token) = sign_up(&world, "ana", "buyer");
    let r = upload(&world, "My Vase.png", png(1), Some(&token));
    assert_eq!(r.status, 201, "{}", show(&r));
    let body = r.body_json();
    let name = body["name"].as_str().unwrap();
    assert!(name.ends_with("_My Vase.png"), "{name}");
    assert_eq!(name.len(), 32 + 1 + "My Vase.png".len());
    let url = body["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!(
            "http://localhost/parse/files/artisan-market/{}",
            crate::engine::files::url("", name)
        )
    );
    assert_eq!(r.header("location"), Some(url));
    assert_eq!(world.bucket.bytes(name), Some(png(1)));
    let row = registered(&world, name).expect("registered");
    assert_eq!(row["user"], json!(user));
    assert_eq!(row["contentType"], "image/png");
    assert!(row["pendingSince"].is_string());
    let again = uploaded(&world, "My Vase.png", &token);
    assert_ne!(again, name, "every upload gets a name of its own");
}

#[test]
fn the_js_sdks_base64_json_form_is_an_upload_too() {
    let world = world();
    let (_, token) = sign_up(&world, "ben", "buyer");
    let body = json!({
        "base64": base64::engine::general_purpose::STANDARD.encode(png(2)),
        "_ContentType": "image/png",
        "_ApplicationId": "artisan-market",
        "_SessionToken": token,
        "_ClientVersion": "js8.6.2",
        "fileData": {"metadata": {}, "tags": {}},
    });
    // No application id header: the body is JSON, whatever its content type says.
    let r = world.handle(&request(
        "POST",
        "/files/photo.png",
        &[("content-type", "text/plain")],
        body.to_string().into_bytes(),
    ));
    assert_eq!(r.status, 201, "{}", show(&r));
    let name = r.body_json()["name"].as_str().unwrap().to_string();
    assert_eq!(world.bucket.bytes(&name), Some(png(2)));
    // A data URL's base64 is taken after its comma.
    let data_url = json!({"base64": format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png(3))),
        "_ApplicationId": "artisan-market", "_SessionToken": token});
    let r = world.handle(&request(
        "POST",
        "/files/p.png",
        &[],
        data_url.to_string().into_bytes(),
    ));
    assert_eq!(r.status, 201, "{}", show(&r));
    let bad = json!({"base64": "%%%not base64", "_ApplicationId": "artisan-market", "_SessionToken": token});
    let r = world.handle(&request(
        "POST",
        "/files/p.png",
        &[],
        bad.to_string().into_bytes(),
    ));
    assert_eq!(
        (r.status, r.body_json()["code"].clone()),
        (400, json!(130)),
        "{}",
        show(&r)
    );
}

#[test]
fn the_public_may_not_upload_by_default_and_the_master_key_always_may() {
    let world = world();
    let r = upload(&world, "a.png", png(1), None);
    assert_eq!(r.status, 400, "{}", show(&r));
    assert_eq!(
        r.body_json(),
        json!({"code": 130, "error": "File upload by public is disabled."})
    );
    assert!(world.bucket.keys().is_empty());
    let r = world.handle(&request(
        "POST",
        "/files/a.png",
        &[
            ("x-parse-application-id", "artisan-market"),
            ("x-parse-master-key", "master"),
        ],
        png(1),
    ));
    assert_eq!(r.status, 201, "{}", show(&r));
    let open = world_with(FilePolicy {
        enable_for_public: true,
        enable_for_authenticated_user: false,
        ..FilePolicy::default()
    });
    assert_eq!(upload(&open, "a.png", png(1), None).status, 201);
    let (_, token) = sign_up(&open, "cy", "buyer");
    let r = upload(&open, "a.png", png(1), Some(&token));
    assert_eq!(
        r.body_json()["error"],
        "File upload by authenticated user is disabled."
    );
}

#[test]
fn size_type_and_name_refusals_are_parse_errors() {
    let world = world_with(FilePolicy {
        max_bytes: 100,
        ..FilePolicy::default()
    });
    let (_, token) = sign_up(&world, "dee", "buyer");
    let code = |r: &HttpResponse| (r.status, r.body_json()["code"].as_i64().unwrap_or(0));
    let mut big = png(0);
    big.resize(101, 0);
    assert_eq!(
        code(&upload(&world, "big.png", big, Some(&token))),
        (413, 129)
    );
    // Past what even the base64 form could need, the body is not read at all.
    let huge = vec![
        0u8;
        FilePolicy {
            max_bytes: 100,
            ..FilePolicy::default()
        }
        .max_body_bytes()
            + 1
    ];
    assert_eq!(
        code(&upload(&world, "big.png", huge, Some(&token))),
        (413, 129)
    );
    assert_eq!(
        code(&upload(&world, "e.png", vec![], Some(&token))),
        (400, 130)
    );
    for evil in [
        &b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"[..],
        b"<!doctype html><script>alert(1)</script>",
        b"GIF8 but not really",
    ] {
        let r = upload(&world, "innocent.png", evil.to_vec(), Some(&token));
        assert_eq!(code(&r), (400, 130), "{}", show(&r));
    }
    let r = world.handle(&request(
        "POST",
        "/files",
        &[
            ("x-parse-application-id", "artisan-market"),
            ("x-parse-session-token", &token),
        ],
        png(1),
    ));
    assert_eq!(code(&r), (400, 122), "{}", show(&r));
    let long = "a".repeat(2000);
    assert_eq!(
        code(&upload(&world, &long, png(1), Some(&token))),
        (400, 122)
    );
    assert!(world.bucket.keys().is_empty());
}

#[test]
fn path_tricks_in_names_leave_a_plain_name() {
    let world = world();
    let (_, token) = sign_up(&world, "eve", "buyer");
    // `%2F` decodes inside the one segment the route has.
    let name = uploaded(&world, "..%2F..%2Fetc%2Fpasswd", &token);
    assert!(name.ends_with("_passwd.png"), "{name}");
    let name = uploaded(&world, "evil.html", &token);
    assert!(name.ends_with("_evil.html.png"), "{name}");
    let name = uploaded(&world, "%E8%8A%B1%E7%93%B6.png", &token);
    assert!(name.ends_with("_花瓶.png"), "{name}");
}

#[test]
fn a_file_is_served_immutable_with_its_etag_ranges_and_safe_headers() {
    let world = world();
    let (_, token) = sign_up(&world, "fay", "buyer");
    let name = uploaded(&world, "vase.png", &token);
    let r = get_file(&world, &name, &[]);
    assert_eq!(r.status, 200, "{}", show(&r));
    assert_eq!(bytes_of(r.stream.as_ref().unwrap()), png(7));
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("content-length"), Some("80"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert!(r
        .header("content-security-policy")
        .unwrap()
        .contains("sandbox"));
    assert!(r
        .header("content-disposition")
        .unwrap()
        .starts_with("inline; filename=\"vase.png\""));
    let etag = r.header("etag").unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'));

    let r = get_file(&world, &name, &[("if-none-match", &etag)]);
    assert_eq!(
        (r.status, r.stream.is_none(), r.body.is_empty()),
        (304, true, true)
    );
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = get_file(&world, &name, &[("if-none-match", "\"other\"")]);
    assert_eq!(r.status, 200);

    let r = get_file(&world, &name, &[("range", "bytes=2-5")]);
    assert_eq!(r.status, 206, "{}", show(&r));
    assert_eq!(bytes_of(r.stream.as_ref().unwrap()), png(7)[2..=5].to_vec());
    assert_eq!(r.header("content-range"), Some("bytes 2-5/80"));
    assert_eq!(r.header("content-length"), Some("4"));
    let r = get_file(&world, &name, &[("range", "bytes=-4")]);
    assert_eq!(bytes_of(r.stream.as_ref().unwrap()), png(7)[76..].to_vec());
    let r = get_file(&world, &name, &[("range", "bytes=500-")]);
    assert_eq!(r.status, 416, "{}", show(&r));
    assert_eq!(r.header("content-range"), Some("bytes */80"));
    assert!(r.body_json()["code"].is_number());

    let head = world.handle(&request(
        "HEAD",
        &format!("/files/artisan-market/{name}"),
        &[],
        vec![],
    ));
    assert_eq!((head.status, head.stream.is_none()), (200, true));
    assert_eq!(head.header("content-length"), Some("80"));

    let missing = get_file(&world, "0123456789abcdef0123456789abcdef_nope.png", &[]);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body_json()["code"], 101);
    let r = world.handle(&request(
        "GET",
        &format!("/files/other-app/{name}"),
        &[],
        vec![],
    ));
    assert_eq!(r.status, 403, "{}", show(&r));
}

#[test]
fn a_pdf_when_allowed_is_served_as_an_attachment() {
    let world = world_with(FilePolicy {
        allowed: vec![files::sniff::Kind::Pdf],
        ..FilePolicy::default()
    });
    let (_, token) = sign_up(&world, "gus", "buyer");
    let r = upload(&world, "terms", b"%PDF-1.4 ...".to_vec(), Some(&token));
    assert_eq!(r.status, 201, "{}", show(&r));
    let name = r.body_json()["name"].as_str().unwrap().to_string();
    assert!(name.ends_with("_terms.pdf"));
    let r = get_file(&world, &name, &[]);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert!(r
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment;"));
}

#[test]
fn products_hold_files_by_name_and_answer_them_with_their_urls() {
    let world = world();
    let (token, shop) = artisan(&world, "hal");
    let a = uploaded(&world, "a.png", &token);
    let sent = json!([{"__type": "File", "name": a, "url": "https://evil.test/steal"}]);
    let r = product(&world, &token, &shop, "HAL-1", sent);
    assert_eq!(r.status, 201, "{}", show(&r));
    let id = r.body_json()["objectId"].as_str().unwrap().to_string();
    let got = world
        .call("GET", &format!("/classes/Product/{id}"), None, &[])
        .body_json();
    assert_eq!(
        got["images"],
        json!([{"__type": "File", "name": a, "url": format!("http://localhost/parse/files/artisan-market/{a}")}])
    );
    assert!(
        registered(&world, &a).unwrap()["pendingSince"].is_null(),
        "attached"
    );
    // Queries compare a File by its name, whatever URL is sent with it.
    let found = world
        .call("GET", "/classes/Product?where=%7B%22images%22%3A%7B%22__type%22%3A%22File%22%2C%22name%22%3A%22X%22%7D%7D", None, &[])
        .status;
    assert_eq!(found, 200);
    // An Add answers the resulting array with URLs.
    let b = uploaded(&world, "b.png", &token);
    let r = call(
        &world,
        "PUT",
        &format!("/classes/Product/{id}"),
        &token,
        json!({"images": {"__op": "Add", "objects": [file(&b)]}}),
    );
    assert_eq!(r.status, 200, "{}", show(&r));
    assert_eq!(
        r.body_json()["images"][1]["url"],
        format!("http://localhost/parse/files/artisan-market/{b}")
    );
}

#[test]
fn an_artisan_photo_is_a_file_and_images_must_be_files() {
    let world = world();
    let (token, shop) = artisan(&world, "ida");
    let photo = uploaded(&world, "me.png", &token);
    let r = call(
        &world,
        "PUT",
        &format!("/classes/Artisan/{shop}"),
        &token,
        json!({"photo": file(&photo)}),
    );
    assert_eq!(r.status, 200, "{}", show(&r));
    let got = world
        .call("GET", &format!("/classes/Artisan/{shop}"), None, &[])
        .body_json();
    assert_eq!(got["photo"]["name"], json!(photo));
    assert!(got["photo"]["url"].as_str().unwrap().ends_with(&photo));
    let r = call(
        &world,
        "PUT",
        &format!("/classes/Artisan/{shop}"),
        &token,
        json!({"photo": "https://x.test/me.png"}),
    );
    assert_eq!(r.body_json()["code"], 111, "{}", show(&r));
    let r = product(
        &world,
        &token,
        &shop,
        "IDA-1",
        json!(["https://img.example.test/a.jpg"]),
    );
    assert_eq!(r.body_json()["code"], 142, "{}", show(&r));
}

#[test]
fn a_file_this_server_does_not_hold_cannot_be_referenced() {
    let world = world();
    let (token, shop) = artisan(&world, "jon");
    let r = product(
        &world,
        &token,
        &shop,
        "JON-1",
        json!([file("0123456789abcdef0123456789abcdef_made-up.png")]),
    );
    assert_eq!(
        (r.status, r.body_json()["code"].clone()),
        (400, json!(151)),
        "{}",
        show(&r)
    );
    let missing = world.call(
        "GET",
        "/classes/Product?where=%7B%22sku%22%3A%22JON-1%22%7D",
        None,
        &[],
    );
    assert_eq!(
        missing.body_json()["results"],
        json!([]),
        "the write rolled back"
    );
}

#[test]
fn replacing_images_deletes_the_files_nothing_else_references() {
    let world = world();
    let (token, shop) = artisan(&world, "kim");
    let (a, b, c) = (
        uploaded(&world, "a.png", &token),
        uploaded(&world, "b.png", &token),
        uploaded(&world, "c.png", &token),
    );
    let r = product(&world, &token, &shop, "KIM-1", json!([file(&a), file(&b)]));
    let first = r.body_json()["objectId"].as_str().unwrap().to_string();
    // b is shared with another product; a only with the first.
    let r = product(&world, &token, &shop, "KIM-2", json!([file(&b)]));
    let second = r.body_json()["objectId"].as_str().unwrap().to_string();
    let r = call(
        &world,
        "PUT",
        &format!("/classes/Product/{first}"),
        &token,
        json!({"images": [file(&c)]}),
    );
    assert_eq!(r.status, 200, "{}", show(&r));
    assert_eq!(
        world.bucket.bytes(&a),
        None,
        "a is referenced by nothing now"
    );
    assert!(registered(&world, &a).is_none());
    assert!(
        world.bucket.bytes(&b).is_some(),
        "b is still the second product's"
    );
    assert!(world.bucket.bytes(&c).is_some());
    assert_eq!(get_file(&world, &a, &[]).status, 404);

    // Deleting the second product drops b; a Remove on the first drops c.
    let r = call(
        &world,
        "DELETE",
        &format!("/classes/Product/{second}"),
        &token,
        json!({}),
    );
    assert_eq!(r.status, 200, "{}", show(&r));
    assert_eq!(world.bucket.bytes(&b), None);
    let r = call(
        &world,
        "PUT",
        &format!("/classes/Product/{first}"),
        &token,
        json!({"images": {"__op": "Remove", "objects": [{"__type": "File", "name": c, "url": "whatever"}]}}),
    );
    assert_eq!(r.status, 200, "{}", show(&r));
    assert_eq!(world.bucket.bytes(&c), None);
    assert!(world.bucket.keys().is_empty());
}

#[test]
fn another_artisans_product_keeps_its_files_when_the_write_is_refused() {
    let world = world();
    let (owner, shop) = artisan(&world, "lea");
    let (other, _) = artisan(&world, "max");
    let a = uploaded(&world, "a.png", &owner);
    let r = product(&world, &owner, &shop, "LEA-1", json!([file(&a)]));
    let id = r.body_json()["objectId"].as_str().unwrap().to_string();
    let mine = uploaded(&world, "mine.png", &other);
    let r = call(
        &world,
        "PUT",
        &format!("/classes/Product/{id}"),
        &other,
        json!({"images": [file(&mine)]}),
    );
    assert_eq!(r.status, 404, "{}", show(&r));
    let r = call(
        &world,
        "DELETE",
        &format!("/classes/Product/{id}"),
        &other,
        json!({}),
    );
    assert_eq!(r.status, 404, "{}", show(&r));
    assert!(world.bucket.bytes(&a).is_some());
    let got = world
        .call("GET", &format!("/classes/Product/{id}"), None, &[])
        .body_json();
    assert_eq!(got["images"][0]["name"], json!(a));
    // Nor can it put photos on a product in someone else's profile.
    let r = product(&world, &other, &shop, "MAX-1", json!([file(&mine)]));
    assert_eq!(r.status, 400, "{}", show(&r));
    assert_eq!(r.body_json()["code"], 119);
}

#[test]
fn uploads_nothing_references_expire_and_the_sweep_retries_failed_deletes() {
    let world = world();
    let (token, shop) = artisan(&world, "ned");
    let kept = uploaded(&world, "kept.png", &token);
    let lost = uploaded(&world, "lost.png", &token);
    product(&world, &token, &shop, "NED-1", json!([file(&kept)]));
    let policy = &world.config.files;
    let now = crate::platform::now_ms();
    let swept = |at: i64| {
        block_on(files::cleanup::sweep(
            &world.store,
            &world.bucket,
            policy,
            at,
        ))
        .unwrap()
    };
    assert_eq!(swept(now), 0, "not expired yet");
    assert_eq!(swept(now + policy.pending_ms + 1_000), 1);
    assert_eq!(world.bucket.keys(), vec![kept.clone()]);
    assert!(registered(&world, &lost).is_none());

    // A delete the bucket failed leaves the file marked; a later sweep finishes it.
    let other = uploaded(&world, "other.png", &token);
    world.bucket.failing.set(true);
    let r = call(
        &world,
        "PUT",
        &format!("/classes/Product/{}", product_id(&world, "NED-1")),
        &token,
        json!({"images": []}),
    );
    assert_eq!(
        r.status,
        200,
        "the write stands whatever the bucket does: {}",
        show(&r)
    );
    world.bucket.failing.set(false);
    assert!(world.bucket.bytes(&kept).is_some());
    assert!(registered(&world, &kept).unwrap()["deletedAt"].is_string());
    // Both the marked file and the upload that expired meanwhile.
    assert_eq!(
        swept(crate::platform::now_ms() + policy.pending_ms + 1_000),
        2
    );
    assert!(world.bucket.bytes(&kept).is_none());
    assert!(world.bucket.bytes(&other).is_none());
}

fn product_id(world: &World, sku: &str) -> String {
    let rows = block_on(world.store.query(&Statement::new(
        "SELECT \"objectId\" FROM \"Product\" WHERE \"sku\" = ?",
        vec![sku.into()],
    )))
    .unwrap();
    rows[0]["objectId"].as_str().unwrap().to_string()
}

#[test]
fn the_master_key_deletes_a_file_and_no_one_else_may() {
    let world = world();
    let (_, token) = sign_up(&world, "ola", "buyer");
    let name = uploaded(&world, "x.png", &token);
    let r = world.call(
        "DELETE",
        &format!("/files/{name}"),
        None,
        &[("x-parse-session-token", &token)],
    );
    assert_eq!(r.status, 403, "{}", show(&r));
    let r = world.call(
        "DELETE",
        &format!("/files/{name}"),
        None,
        &[("x-parse-master-key", "master")],
    );
    assert_eq!((r.status, r.body_json()), (200, json!({})), "{}", show(&r));
    assert!(world.bucket.keys().is_empty());
    assert!(registered(&world, &name).is_none());
    assert_eq!(get_file(&world, &name, &[]).status, 404);
}

#[test]
fn purging_a_class_deletes_the_files_only_its_objects_held() {
    let world = world();
    let (token, shop) = artisan(&world, "pia");
    let a = uploaded(&world, "a.png", &token);
    product(&world, &token, &shop, "PIA-1", json!([file(&a)]));
    let r = world.call(
        "DELETE",
        "/purge/Product",
        None,
        &[("x-parse-master-key", "master")],
    );
    assert_eq!(r.status, 200, "{}", show(&r));
    assert!(world.bucket.bytes(&a).is_none());
}
