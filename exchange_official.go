package vault

import (
	"time"
)

// The official exchange templates, shipped with the vault and the same in
// every tenant. Their ids are fixed; they cannot be changed or deleted.
const (
	// ExchangeTemplateCardNumber turns a card token into a card_number token
	// of its number, with the card's metadata. Configuration: none.
	ExchangeTemplateCardNumber = "a8d2b313-4504-4c30-bfdb-21d03463b4f2"
	// ExchangeTemplateCardBINLast4 turns a card token into a token of its
	// non-sensitive parts, {bin, last4} and, when INCLUDE_EXPIRATION is
	// true, expiration_month and expiration_year, with the card's metadata.
	// Configuration: BIN_LENGTH (number: 8 keeps an eight-digit BIN for
	// cards of 16 digits or more, as PCI DSS allows; anything else keeps
	// six) and INCLUDE_EXPIRATION (boolean).
	ExchangeTemplateCardBINLast4 = "6963ada3-74fd-4767-a19d-83ee75f4144c"
	// ExchangeTemplateCardPseudonym turns a card token into a token whose
	// data is the hex HMAC-SHA256 of the card number under HMAC_KEY: a
	// stable pseudonym that a partner holding the same key can compute, and
	// no one without it can reverse. Configuration: HMAC_KEY (string).
	ExchangeTemplateCardPseudonym = "d59a1581-8127-450c-b653-fd6fcf588f09"
)

// officialSince is the created_at of the official templates.
var officialSince = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

var officialTemplates = []*ExchangeTemplate{
	{
		ID: ExchangeTemplateCardNumber, Name: "Card to card number", Type: ExchangeTemplateOfficial, SourceTokenType: TypeCard,
		Description:   "Creates a card_number token of the card's number, with the card's metadata.",
		Configuration: []ExchangeTemplateConfig{},
		CreatedAt:     officialSince,
		Code: `module.exports = async function (context) {
  const { sourceToken } = context;
  return {
    type: 'card_number',
    data: sourceToken.data.number,
    metadata: sourceToken.metadata,
  };
};
`,
	},
	{
		ID: ExchangeTemplateCardBINLast4, Name: "Card to BIN and last four", Type: ExchangeTemplateOfficial, SourceTokenType: TypeCard,
		Description: "Creates a token of the card's BIN and last four digits, and optionally its expiration, never its full number or cvc.",
		Configuration: []ExchangeTemplateConfig{
			{Name: "BIN_LENGTH", Type: FieldTypeNumber, Description: "8 for an eight-digit BIN on cards of 16 digits or more; otherwise 6"},
			{Name: "INCLUDE_EXPIRATION", Type: FieldTypeBoolean, Description: "Whether to keep expiration_month and expiration_year"},
		},
		CreatedAt: officialSince,
		Code: `module.exports = async function (context) {
  const { sourceToken, configuration } = context;
  const card = sourceToken.data;
  const number = String(card.number);
  const binLength = configuration.BIN_LENGTH === 8 && number.length >= 16 ? 8 : 6;
  const data = { bin: number.slice(0, binLength), last4: number.slice(-4) };
  if (configuration.INCLUDE_EXPIRATION) {
    data.expiration_month = card.expiration_month;
    data.expiration_year = card.expiration_year;
  }
  return { type: 'token', data, metadata: sourceToken.metadata };
};
`,
	},
	{
		ID: ExchangeTemplateCardPseudonym, Name: "Card to keyed pseudonym", Type: ExchangeTemplateOfficial, SourceTokenType: TypeCard,
		Description: "Creates a token of the HMAC-SHA256 of the card number under a key you share with a partner, to match cards without sharing them.",
		Configuration: []ExchangeTemplateConfig{
			{Name: "HMAC_KEY", Type: FieldTypeString, Description: "The shared key"},
		},
		CreatedAt: officialSince,
		Code: `const crypto = require('crypto');
const { BadRequestError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');

module.exports = async function (context) {
  const { sourceToken, configuration } = context;
  if (!configuration.HMAC_KEY) {
    throw new BadRequestError('HMAC_KEY must not be empty');
  }
  const pseudonym = crypto.createHmac('sha256', configuration.HMAC_KEY)
    .update(String(sourceToken.data.number))
    .digest('hex');
  return { type: 'token', data: pseudonym, metadata: sourceToken.metadata };
};
`,
	},
}

// officialTemplate returns the official template with the id, or nil.
func officialTemplate(id string) *ExchangeTemplate {
	for _, t := range officialTemplates {
		if t.ID == id {
			return t
		}
	}
	return nil
}
