package vault

import "slices"

// Application, key, session and tenant event types (reference section
// 8.2). application.created and application.updated carry {application:
// {id, name, type}}, application.deleted {application: {id}};
// application.key.created and application.key.deleted {application: {id},
// key: {id}}, never the key itself. session.created and session.authorized
// carry {session: {id}}; tenant.created {tenant: {id, name}}, tenant.updated
// and tenant.deleted {tenant: {id}}.
const (
	EventApplicationCreated    = "application.created"
	EventApplicationUpdated    = "application.updated"
	EventApplicationDeleted    = "application.deleted"
	EventApplicationKeyCreated = "application.key.created"
	EventApplicationKeyDeleted = "application.key.deleted"
	EventSessionCreated        = "session.created"
	EventSessionAuthorized     = "session.authorized"
	EventTenantCreated         = "tenant.created"
	EventTenantUpdated         = "tenant.updated"
	EventTenantDeleted         = "tenant.deleted"
)

// eventCatalogue is every event type the vault raises: those of the
// reference's section 8.2 that an in-process vault can raise (no
// token intents, 3-D Secure, account updater, Google Pay, users or
// invitations: the vault has none of them), and its own for token
// transactions, exchanges, connections, connectors, merchants, payments and
// webhooks.
// Every event's data also holds actor {id, type, name} (see [Actor]).
var eventCatalogue = []string{
	EventTokenCreated, EventTokenUpdated, EventTokenDeleted, EventTokenExpired, EventTokenPropertyExpired, EventTokenRead,
	EventTransactionCommitted, EventTransactionRolledBack,
	EventReactorCreated, EventReactorUpdated, EventReactorDeleted, EventReactorInvoked, EventReactorCompleted, EventReactorFailed,
	EventProxyCreated, EventProxyUpdated, EventProxyDeleted, EventProxyInvoked,
	EventExchangeCreated, EventExchangeUpdated, EventExchangeDeleted, EventExchangeCompleted, EventExchangeFailed,
	EventApplicationCreated, EventApplicationUpdated, EventApplicationDeleted,
	EventApplicationKeyCreated, EventApplicationKeyDeleted,
	EventSessionCreated, EventSessionAuthorized,
	EventTenantCreated, EventTenantUpdated, EventTenantDeleted,
	EventConnectionCreated, EventConnectionUpdated, EventConnectionDeleted, EventConnectionAvailable, EventConnectionFailed,
	EventMerchantCreated, EventMerchantArchived, EventConnectorCreated, EventConnectorUpdated, EventConnectorArchived,
	EventPaymentAuthorized, EventPaymentDeclined, EventPaymentFailed, EventPaymentCaptured, EventPaymentVoided, EventPaymentRefunded,
	EventWebhookCreated, EventWebhookUpdated, EventWebhookDeleted, EventWebhookDisabled,
}

// EventTypes returns every event type the vault raises, sorted: what a
// webhook may subscribe to (GET /webhooks/event-types).
func EventTypes() []string { return slices.Sorted(slices.Values(eventCatalogue)) }

// isEventType reports whether typ is one of EventTypes.
func isEventType(typ string) bool { return slices.Contains(eventCatalogue, typ) }
