"""Which fields of the real Admin schema the sandbox serves: the input of `schema_gen`.

Names only. Types, arguments, defaults, nullability and enum values all come from the vendored real
schema; `schema_gen` refuses a name the real schema does not have. A type listed here is served with
exactly these fields (a query for any other field is refused, stricter than Shopify, never looser).
Enums and input objects are served whole, so every real value and input field is accepted.
"""

from __future__ import annotations

# Space-separated field names per type; fmt: off keeps it a table.
# fmt: off
SERVED: dict[str, str] = {
    "AccessScope": "description handle",
    "AppInstallation": "id accessScopes",
    "ApiVersion": "handle displayName supported",
    "Attribute": "key value",
    "BulkOperation": (
        "id type status errorCode query createdAt completedAt objectCount rootObjectCount "
        "fileSize url partialDataUrl"
    ),
    "BulkOperationCancelPayload": "bulkOperation userErrors",
    "BulkOperationRunQueryPayload": "bulkOperation userErrors",
    "BulkOperationUserError": "code field message",
    "Customer": (
        "id legacyResourceId email defaultEmailAddress defaultPhoneNumber firstName lastName "
        "displayName phone note tags taxExempt createdAt updatedAt defaultAddress "
        "numberOfOrders amountSpent storeCreditAccounts"
    ),
    "CustomerConnection": "edges nodes pageInfo",
    "CustomerEdge": "cursor node",
    "CustomerEmailAddress": "emailAddress",
    "CustomerPhoneNumber": "phoneNumber",
    "DiscountAllocation": "allocatedAmountSet discountApplication",
    "DiscountApplication": "index allocationMethod targetSelection targetType value",
    "DiscountApplicationConnection": "edges nodes pageInfo",
    "DiscountApplicationEdge": "cursor node",
    "DiscountCodeApplication": "index allocationMethod targetSelection targetType value code",
    "Fulfillment": (
        "id legacyResourceId name status createdAt updatedAt location fulfillmentLineItems"
    ),
    "FulfillmentLineItem": "id quantity lineItem",
    "FulfillmentLineItemConnection": "edges nodes pageInfo",
    "FulfillmentLineItemEdge": "cursor node",
    "FulfillmentOrder": "id status createdAt updatedAt assignedLocation lineItems",
    "FulfillmentOrderAssignedLocation": "name countryCode location",
    "FulfillmentOrderConnection": "edges nodes pageInfo",
    "FulfillmentOrderEdge": "cursor node",
    "FulfillmentOrderLineItem": "id sku totalQuantity remainingQuantity lineItem",
    "FulfillmentOrderLineItemConnection": "edges nodes pageInfo",
    "FulfillmentOrderLineItemEdge": "cursor node",
    "GiftCard": (
        "id initialValue balance createdAt updatedAt expiresOn deactivatedAt enabled "
        "lastCharacters maskedCode note order customer transactions"
    ),
    "GiftCardConnection": "edges nodes pageInfo",
    "GiftCardCreditTransaction": "id amount processedAt note giftCard",
    "GiftCardDebitTransaction": "id amount processedAt note giftCard",
    "GiftCardEdge": "cursor node",
    "GiftCardTransaction": "id amount processedAt note giftCard",
    "GiftCardTransactionConnection": "edges nodes pageInfo",
    "GiftCardTransactionEdge": "cursor node",
    "HasStoreCreditAccounts": "storeCreditAccounts",
    "InventoryAdjustmentGroup": "id createdAt reason referenceDocumentUri changes",
    "InventoryChange": "name delta quantityAfterChange item location ledgerDocumentUri",
    "InventoryItem": (
        "id legacyResourceId sku tracked requiresShipping createdAt updatedAt unitCost variant "
        "inventoryLevel inventoryLevels"
    ),
    "InventoryItemConnection": "edges nodes pageInfo",
    "InventoryItemEdge": "cursor node",
    "InventoryLevel": "id createdAt updatedAt canDeactivate item location quantities",
    "InventoryLevelConnection": "edges nodes pageInfo",
    "InventoryLevelEdge": "cursor node",
    "InventoryQuantity": "id name quantity updatedAt",
    "InventorySetQuantitiesPayload": "inventoryAdjustmentGroup userErrors",
    "InventorySetQuantitiesUserError": "code field message",
    "LineItem": (
        "id sku name title variantTitle vendor quantity currentQuantity refundableQuantity "
        "unfulfilledQuantity isGiftCard requiresShipping taxable originalUnitPriceSet "
        "discountedUnitPriceAfterAllDiscountsSet originalTotalSet discountedTotalSet "
        "totalDiscountSet discountAllocations taxLines variant product"
    ),
    "LineItemConnection": "edges nodes pageInfo",
    "LineItemEdge": "cursor node",
    "Location": (
        "id legacyResourceId name isActive fulfillsOnlineOrders address inventoryLevel "
        "inventoryLevels"
    ),
    "LocationAddress": "address1 city zip country countryCode",
    "LocationConnection": "edges nodes pageInfo",
    "LocationEdge": "cursor node",
    "MailingAddress": (
        "id firstName lastName name company address1 address2 city zip province provinceCode "
        "country countryCodeV2 phone"
    ),
    "ManualDiscountApplication": (
        "index allocationMethod targetSelection targetType value title description"
    ),
    "MoneyBag": "shopMoney presentmentMoney",
    "MoneyV2": "amount currencyCode",
    "Mutation": (
        "inventorySetQuantities webhookSubscriptionCreate webhookSubscriptionUpdate "
        "webhookSubscriptionDelete bulkOperationRunQuery bulkOperationCancel "
        "storeCreditAccountCredit"
    ),
    "Node": "id",
    "Order": (
        "id legacyResourceId name email phone note tags sourceName test createdAt updatedAt "
        "processedAt closedAt cancelledAt cancelReason closed confirmed fullyPaid unpaid "
        "currencyCode presentmentCurrencyCode taxesIncluded displayFinancialStatus "
        "displayFulfillmentStatus paymentGatewayNames customAttributes customer shippingAddress "
        "billingAddress subtotalPriceSet totalPriceSet totalTaxSet totalDiscountsSet "
        "totalShippingPriceSet totalTipReceivedSet totalReceivedSet totalRefundedSet "
        "totalOutstandingSet currentTotalPriceSet taxLines discountApplications lineItems "
        "shippingLines transactions fulfillmentOrders fulfillments refunds returns"
    ),
    "OrderAdjustment": "id reason amountSet taxAmountSet",
    "OrderAdjustmentConnection": "edges nodes pageInfo",
    "OrderAdjustmentEdge": "cursor node",
    "OrderConnection": "edges nodes pageInfo",
    "OrderEdge": "cursor node",
    "OrderTransaction": (
        "id kind status gateway formattedGateway test amountSet createdAt processedAt paymentId "
        "parentTransaction order"
    ),
    "OrderTransactionConnection": "edges nodes pageInfo",
    "OrderTransactionEdge": "cursor node",
    "PageInfo": "hasNextPage hasPreviousPage startCursor endCursor",
    "PricingPercentageValue": "percentage",
    "Product": (
        "id legacyResourceId title handle status vendor productType isGiftCard createdAt "
        "updatedAt totalInventory variants"
    ),
    "ProductConnection": "edges nodes pageInfo",
    "ProductEdge": "cursor node",
    "ProductVariant": (
        "id legacyResourceId title displayName sku barcode price compareAtPrice taxable "
        "inventoryQuantity createdAt updatedAt product inventoryItem"
    ),
    "ProductVariantConnection": "edges nodes pageInfo",
    "ProductVariantEdge": "cursor node",
    "QueryRoot": (
        "shop node nodes location locations product products productVariant productVariants "
        "inventoryItem inventoryItems inventoryLevel order orders refund return customer "
        "customers storeCreditAccount giftCard giftCards shopifyPaymentsAccount "
        "webhookSubscription webhookSubscriptions bulkOperation currentBulkOperation "
        "currentAppInstallation"
    ),
    "Refund": (
        "id legacyResourceId note createdAt updatedAt order return totalRefundedSet "
        "refundLineItems refundShippingLines orderAdjustments transactions"
    ),
    "RefundConnection": "edges nodes pageInfo",
    "RefundEdge": "cursor node",
    "RefundLineItem": (
        "id lineItem quantity restockType restocked location priceSet subtotalSet totalTaxSet"
    ),
    "RefundLineItemConnection": "edges nodes pageInfo",
    "RefundLineItemEdge": "cursor node",
    "RefundShippingLine": "id shippingLine subtotalAmountSet taxAmountSet",
    "RefundShippingLineConnection": "edges nodes pageInfo",
    "RefundShippingLineEdge": "cursor node",
    "Return": "id name status createdAt closedAt totalQuantity order returnLineItems refunds",
    "ReturnConnection": "edges nodes pageInfo",
    "ReturnEdge": "cursor node",
    "ReturnLineItem": (
        "id quantity refundableQuantity refundedQuantity returnReason returnReasonNote "
        "customerNote fulfillmentLineItem"
    ),
    "ReturnLineItemType": (
        "id quantity refundableQuantity refundedQuantity returnReason returnReasonNote "
        "customerNote"
    ),
    "ReturnLineItemTypeConnection": "edges nodes pageInfo",
    "ReturnLineItemTypeEdge": "cursor node",
    "ShippingLine": (
        "id title code source isRemoved originalPriceSet discountedPriceSet taxLines "
        "discountAllocations"
    ),
    "ShippingLineConnection": "edges nodes pageInfo",
    "ShippingLineEdge": "cursor node",
    "Shop": (
        "id name email myshopifyDomain currencyCode enabledPresentmentCurrencies ianaTimezone "
        "timezoneAbbreviation taxesIncluded taxShipping billingAddress shopAddress"
    ),
    "ShopAddress": "id address1 city zip company country countryCodeV2",
    "ShopifyPaymentsAccount": (
        "id activated country defaultCurrency balance payouts balanceTransactions"
    ),
    "ShopifyPaymentsAssociatedOrder": "id name",
    "ShopifyPaymentsBalanceTransaction": (
        "id type test amount fee net transactionDate sourceId sourceType "
        "sourceOrderTransactionId associatedOrder associatedPayout adjustmentReason"
    ),
    "ShopifyPaymentsBalanceTransactionAssociatedPayout": "id status",
    "ShopifyPaymentsBalanceTransactionConnection": "edges nodes pageInfo",
    "ShopifyPaymentsBalanceTransactionEdge": "cursor node",
    "ShopifyPaymentsPayout": "id legacyResourceId issuedAt status transactionType net summary",
    "ShopifyPaymentsPayoutConnection": "edges nodes pageInfo",
    "ShopifyPaymentsPayoutEdge": "cursor node",
    "ShopifyPaymentsPayoutSummary": (
        "adjustmentsFee adjustmentsGross advanceFees advanceGross chargesFee chargesGross "
        "refundsFee refundsFeeGross reservedFundsFee reservedFundsGross retriedPayoutsFee "
        "retriedPayoutsGross usdcRebateCreditAmount"
    ),
    "StoreCreditAccount": "id balance owner transactions",
    "StoreCreditAccountConnection": "edges nodes pageInfo",
    "StoreCreditAccountCreditPayload": "storeCreditAccountTransaction userErrors",
    "StoreCreditAccountCreditTransaction": (
        "id account amount balanceAfterTransaction createdAt event origin expiresAt "
        "remainingAmount"
    ),
    "StoreCreditAccountCreditUserError": "code field message",
    "StoreCreditAccountDebitTransaction": (
        "id account amount balanceAfterTransaction createdAt event origin"
    ),
    "StoreCreditAccountEdge": "cursor node",
    "StoreCreditAccountTransaction": (
        "account amount balanceAfterTransaction createdAt event origin"
    ),
    "StoreCreditAccountTransactionConnection": "edges nodes pageInfo",
    "StoreCreditAccountTransactionEdge": "cursor node",
    "TaxLine": "title rate ratePercentage channelLiable priceSet",
    "UserError": "field message",
    "WebhookHttpEndpoint": "callbackUrl",
    "WebhookSubscription": (
        "id legacyResourceId topic format uri callbackUrl endpoint includeFields "
        "metafieldNamespaces filter apiVersion createdAt updatedAt"
    ),
    "WebhookSubscriptionConnection": "edges nodes pageInfo",
    "WebhookSubscriptionCreatePayload": "webhookSubscription userErrors",
    "WebhookSubscriptionDeletePayload": "deletedWebhookSubscriptionId userErrors",
    "WebhookSubscriptionEdge": "cursor node",
    "WebhookSubscriptionUpdatePayload": "webhookSubscription userErrors",
}
# fmt: on
