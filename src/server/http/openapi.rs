//! `GET /api/openapi.json`: the JSON API described from the handlers' own
//! `#[utoipa::path]` annotations and the types they read and answer. A test
//! (tests/it/openapi.rs) fails when a route of the router is missing here.

use std::sync::OnceLock;

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi, ToSchema,
};

use super::{admin_api, api, images, photos_api};
use crate::{
    model::{
        admin::{AuditEntry, AuditPage},
        photos::{PhotoMetadata, PhotoView, TagCount},
        Role, UserView,
    },
    server::rescan::{FileError, Report},
};

/// Every error answer of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct Detail {
    /// A sentence a person can read.
    #[schema(example = "Photo has been modified since last retrieval")]
    pub detail: String,
}

/// `GET /api/photos`
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoList {
    /// Photos matching the filter, in all.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
    pub items: Vec<PhotoView>,
}

/// `GET /api/tags`
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    pub items: Vec<TagCount>,
}

/// One file of an upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadItem {
    pub filename: String,
    /// `imported`, `restored`, `duplicate` or `refused`.
    pub status: String,
    /// The photo (new, or the one that already has this content).
    pub id: Option<String>,
    pub url: Option<String>,
    pub detail: Option<String>,
}

/// `POST /api/uploads`
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadAnswer {
    pub detail: String,
    pub items: Vec<UploadItem>,
}

/// The multipart body of `POST /api/uploads`: one or more `file` parts.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(value_type = Vec<String>, format = Binary)]
    pub file: Vec<Vec<u8>>,
}

/// `GET /api/admin/users`
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<admin_api::UserJson>,
}

/// `GET /api/admin/sessions`
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<admin_api::SessionJson>,
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An access token from POST /api/login or /api/refresh.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "tagline_session",
                "The browser session cookie (`__Host-tagline_session` in production). \
                 State-changing calls with a cookie must come from this origin.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tagline API",
        description = "The JSON API of a Tagline photo library. Every error answers \
                       `{\"detail\": \"...\"}` with its status.",
    ),
    paths(
        api::login,
        api::refresh,
        api::logout,
        api::me,
        photos_api::list,
        photos_api::get_one,
        photos_api::patch_metadata,
        images::original,
        images::display,
        images::thumbnail,
        photos_api::tags,
        photos_api::rescan,
        photos_api::upload,
        admin_api::list_users,
        admin_api::create_user,
        admin_api::patch_user,
        admin_api::revoke_user_sessions,
        admin_api::list_sessions,
        admin_api::revoke_session,
        admin_api::audit,
        openapi_json,
    ),
    components(schemas(
        Detail, PhotoList, PhotoView, PhotoMetadata, TagList, TagCount, UploadItem,
        UploadAnswer, UploadForm, Report, FileError, UserView, Role, UserList, SessionList,
        AuditEntry, AuditPage,
    )),
    modifiers(&Security),
    tags(
        (name = "auth", description = "API tokens: sign-in, rotation, sign-out"),
        (name = "photos", description = "Photos, their metadata and images"),
        (name = "admin", description = "Users, everyone's sessions, the audit log (admins only)"),
    )
)]
pub struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .expect("the OpenAPI document serialises")
    })
}

/// `GET /api/openapi.json`: this document (public: it holds no data).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "auth",
    responses((status = 200, description = "This OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi_json() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        document(),
    )
        .into_response()
}
