//! The client a request comes from, as a limiter key: the address in `CF-Connecting-IP`.
//!
//! In production Cloudflare's edge sets that header on every request from the internet and
//! overwrites whatever the client sent, so it cannot be forged. `wrangler dev` (4.86, measured)
//! sets it to the peer address (127.0.0.1 locally) when the client sends none, and passes a
//! client-sent one through unchanged: locally every client may pick its address, which is what
//! lets the black-box tests act as several clients.
//!
//! A missing or unparsable header is keyed `unknown`, a key all such requests share: they are
//! throttled together (one noisy caller can slow the others) rather than each being let through
//! unlimited, which would make dropping the header a way around every per-address limit. Only
//! requests that do not come from the internet lack it (a service binding from another worker).

use std::net::{IpAddr, Ipv6Addr};

pub const UNKNOWN_CLIENT: &str = "unknown";

/// The limiter key of the client at `header` (the `CF-Connecting-IP` value). IPv4 addresses key
/// as themselves; IPv6 ones by their /64, because one subscriber usually holds a whole /64 and
/// could otherwise take a fresh address for every request.
pub fn client_key(header: Option<&str>) -> String {
    let Some(address) = header.and_then(|h| h.trim().parse::<IpAddr>().ok()) else {
        return UNKNOWN_CLIENT.to_string();
    };
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", Ipv6Addr::from(prefix))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv4_address_is_its_own_key() {
        assert_eq!(client_key(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(client_key(Some(" 203.0.113.7 ")), "203.0.113.7");
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_key() {
        let a = client_key(Some("2001:db8:1:2:aaaa::1"));
        let b = client_key(Some("2001:DB8:1:2:ffff:ffff:ffff:ffff"));
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, b);
        assert_ne!(a, client_key(Some("2001:db8:1:3::1")));
    }

    #[test]
    fn an_ipv4_mapped_ipv6_address_keys_as_ipv4() {
        assert_eq!(client_key(Some("::ffff:198.51.100.4")), "198.51.100.4");
    }

    #[test]
    fn a_missing_or_garbled_header_is_the_shared_unknown_client() {
        assert_eq!(client_key(None), UNKNOWN_CLIENT);
        assert_eq!(client_key(Some("")), UNKNOWN_CLIENT);
        assert_eq!(client_key(Some("not an address")), UNKNOWN_CLIENT);
        assert_eq!(client_key(Some("1.2.3.4, 5.6.7.8")), UNKNOWN_CLIENT);
    }
}
