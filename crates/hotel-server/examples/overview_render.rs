//! Measures how long the rooms overview takes to render for 1,000 rooms
//! (the page's whole server-side work: the live view's rooms to HTML).
//!
//! `cargo run -p hotel-server --example overview_render -- 1000`

use std::time::Instant;

use hotel_core::{Access, ClimateMode, FanSpeed, Role, RoomId};
use hotel_server::web::i18n::Tr;
use hotel_server::web::layout::Ctx;
use hotel_server::web::pages::overview::{Alerting, Filters, render};
use hotel_server::web::session::WebUser;
use hotel_telemetry::live::RoomView;

fn main() {
    let rooms: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let now = 1_733_300_000_000;
    let views: Vec<RoomView> = (0..rooms)
        .map(|i| RoomView {
            id: RoomId::parse(&format!("{}{:02}", 1 + i / 50, i % 50)).expect("valid id"),
            name: None,
            online: i % 17 != 0,
            last_seen: Some("2024-12-04T08:13:00Z".to_owned()),
            temperature: Some(21.0 + (i % 7) as f64 * 0.3),
            humidity: Some(40.0),
            light_percent: Some(55.0),
            gas_level: Some(120.0),
            target_temp: Some(22.0),
            climate_mode: Some(ClimateMode::Auto),
            fan_speed: Some(FanSpeed::Low),
            light_mode: None,
            brightness: None,
            heating: Some(true),
            occupancy: None,
            do_not_disturb: None,
            make_up_room: None,
            led1: None,
            led2: None,
            reading_ts_ms: Some(now - 5_000),
        })
        .collect();
    let ctx = Ctx {
        tr: Tr::default_language(),
        theme: None,
    };
    let user = WebUser {
        username: "admin".to_owned(),
        access: Access {
            role: Role::Admin,
            room: None,
        },
        csrf: "0".repeat(64),
        session_sha256: "0".repeat(64),
    };
    let runs = 50;
    let mut bytes = 0;
    let started = Instant::now();
    for _ in 0..runs {
        bytes = render(
            &ctx,
            &user,
            views.clone(),
            &Alerting::new(),
            &Filters::default(),
            now,
        )
        .into_string()
        .len();
    }
    let per_page = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    println!("{rooms} rooms: {per_page:.2} ms per page, {bytes} bytes of HTML");
}
