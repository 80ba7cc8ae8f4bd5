import { Type } from '@sinclair/typebox';
import { TEXT_LIMITS as L } from '@crp/contracts/limits';
import { publicRoute } from '@crp/platform/http';
import type { ChannelDeps } from '../app/deps';
import { receiveWebhook } from '../app/webhooks';

const Params = Type.Object({ storeId: Type.String({ minLength: 1, maxLength: L.storeId }) });

const WebhookAnswer = Type.Object({
  status: Type.Union([
    Type.Literal('accepted'),
    Type.Literal('duplicate'),
    Type.Literal('ignored'),
    Type.Literal('pong'),
  ]),
  deliveryId: Type.Optional(Type.String({ description: 'accepted / duplicate: the stored delivery' })),
  topic: Type.Optional(Type.String({ description: 'ignored: the topic this service does not take' })),
});

/** Webhooks authenticate by HMAC over the raw body, not by bearer token: public routes. */
export function webhookRoutes(deps: ChannelDeps) {
  const summaries = {
    shopify:
      'Shopify orders/create and orders/updated, as Shopify sends them (X-Shopify-Hmac-Sha256 over the raw body)',
    woocommerce:
      'WooCommerce order.created and order.updated (X-WC-Webhook-Signature over the raw body); its ping is answered',
    bigcommerce:
      'BigCommerce store/order/created, store/order/updated and store/order/statusUpdated: only the order id; authenticated by the X-Webhook-Secret header set at subscription, duplicates dropped by hash, the order fetched by the queue worker',
  } as const;
  return (['shopify', 'woocommerce', 'bigcommerce'] as const).map((channel) =>
    publicRoute({
      method: 'post',
      path: `/v1/webhooks/${channel}/:storeId`,
      operationId: `${channel}Webhook`,
      summary: summaries[channel],
      tags: ['webhooks'],
      params: Params,
      bodyLimit: '5mb',
      responses: {
        200: {
          description: '{ status: accepted | duplicate | ignored | pong }: stored, imported from the queue',
          schema: WebhookAnswer,
        },
        401: { description: 'Bad or missing signature (or secret header), or no such store: nothing stored' },
      },
      handler: async ({ params, rawBody, req }) => {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        return receiveWebhook(deps, channel, params.storeId, rawBody, headers);
      },
    }),
  );
}
