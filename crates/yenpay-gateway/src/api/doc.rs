//! The OpenAPI document's frame: its description, tags, security schemes
//! and error schemas. Its paths come from the routers themselves
//! ([`super::openapi`]), so a route is declared once.
use crate::error::{ErrorBody, ResultInfo};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "yenpay gateway",
        description = "Yen stablecoin QR payments on Aptos, in the shape of PayPay's Open Payment API v2. \
            Merchant requests are signed: `Authorization: hmac OPA-Auth:<keyId>:<mac>:<nonce>:<epoch>:<bodyHash>` \
            (docs/gateway.md). Every POST takes an optional `Idempotency-Key`."
    ),
    components(schemas(ErrorBody, ResultInfo)),
    modifiers(&Security),
    tags(
        (name = "codes", description = "dynamic QR codes and their payments"),
        (name = "holds", description = "pre-authorizations: hold codes, captures (with tips), reverts (voids)"),
        (name = "refunds", description = "refunds"),
        (name = "payments", description = "customer-presented codes"),
        (name = "reports", description = "reconciliation"),
        (name = "webhooks", description = "webhook endpoints and deliveries"),
        (name = "sponsor", description = "fee-payer sponsoring for wallets"),
        (name = "fx", description = "paying a code in USDC: the FX desk's quotes, and its role keys (operator)"),
        (name = "admin", description = "operator: merchants, keys, POS credentials, endpoints"),
        (name = "compliance", description = "operator: customer tiers and limits, screening verdicts, the audit log"),
        (name = "operations", description = "health and readiness")
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "opa_auth",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "hmac OPA-Auth:<keyId>:<mac>:<nonce>:<epoch>:<bodyHash>",
            ))),
        );
        components.add_security_scheme(
            "admin",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
