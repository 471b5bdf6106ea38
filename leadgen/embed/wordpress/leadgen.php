<?php
/**
 * Plugin Name:       Leadgen forms
 * Description:       Shows the practice's forms (free e-book, free advice call or pain check) in posts and pages: [leadgen form="ebook"] or [leadgen form="advies"].
 * Version:           1.0.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            leadgen
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       leadgen
 * Domain Path:       /languages
 *
 * @package Leadgen
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/*
 * Where leadgen runs. The copy that leadgen serves at /embed/wordpress/leadgen.zip has its own
 * address here; Settings > Leadgen changes it.
 */
define( 'LEADGEN_DEFAULT_ADDRESS', 'https://leadgen.example.nl' );

/**
 * The forms the shortcode knows, by the name leadgen gives them.
 *
 * @return array<string, string> Form name => the link shown until the form has loaded.
 */
function leadgen_forms() {
	return array(
		'ebook'  => __( 'Request the free e-book', 'leadgen' ),
		'advies' => __( 'Ask for a free advice call or pain check', 'leadgen' ),
	);
}

/**
 * The leadgen address from the settings, without a trailing slash.
 *
 * @return string
 */
function leadgen_address() {
	return untrailingslashit( (string) get_option( 'leadgen_address', LEADGEN_DEFAULT_ADDRESS ) );
}

/**
 * Load the plugin's own translations (Dutch ships with it).
 */
function leadgen_load_textdomain() {
	load_plugin_textdomain( 'leadgen', false, dirname( plugin_basename( __FILE__ ) ) . '/languages' );
}
add_action( 'init', 'leadgen_load_textdomain' );

/**
 * Register leadgen's embed script; the shortcode enqueues it on the pages that need it.
 */
function leadgen_register_script() {
	// No version in the URL: leadgen serves one current script and lets browsers cache it for an hour.
	wp_register_script( 'leadgen-embed', leadgen_address() . '/embed.js', array(), null, true );
}
add_action( 'wp_enqueue_scripts', 'leadgen_register_script' );

/**
 * The [leadgen] shortcode: a placeholder that embed.js turns into the form.
 *
 * Without JavaScript the placeholder's link opens the form on leadgen's own site.
 *
 * @param array|string $atts form: "ebook" or "advies"; lang (optional): "nl" or "en".
 * @return string
 */
function leadgen_shortcode( $atts ) {
	$atts  = shortcode_atts(
		array(
			'form' => 'ebook',
			'lang' => '',
		),
		$atts,
		'leadgen'
	);
	$forms = leadgen_forms();
	$form  = strtolower( trim( (string) $atts['form'] ) );
	if ( ! isset( $forms[ $form ] ) ) {
		return '';
	}
	$lang = strtolower( trim( (string) $atts['lang'] ) );
	if ( ! in_array( $lang, array( 'nl', 'en' ), true ) ) {
		$lang = '';
	}

	if ( ! wp_script_is( 'leadgen-embed', 'registered' ) ) {
		leadgen_register_script();
	}
	wp_enqueue_script( 'leadgen-embed' );

	$args = array( 'source' => rawurlencode( (string) get_permalink() ) );
	if ( '' !== $lang ) {
		$args['lang'] = $lang;
	}
	$url = add_query_arg( $args, leadgen_address() . '/' . $form );

	return sprintf(
		'<div class="leadgen-form" data-leadgen-form="%1$s"%2$s><a href="%3$s">%4$s</a></div>',
		esc_attr( $form ),
		'' === $lang ? '' : ' data-lang="' . esc_attr( $lang ) . '"',
		esc_url( $url ),
		esc_html( $forms[ $form ] )
	);
}
add_shortcode( 'leadgen', 'leadgen_shortcode' );

/**
 * Keep only an http(s) address without a trailing slash; anything else keeps the old value.
 *
 * @param mixed $value What the settings form sent.
 * @return string
 */
function leadgen_sanitize_address( $value ) {
	$address = untrailingslashit( esc_url_raw( trim( (string) $value ), array( 'http', 'https' ) ) );
	$parts   = wp_parse_url( $address );
	if ( empty( $parts['scheme'] ) || empty( $parts['host'] ) || isset( $parts['query'] ) ) {
		if ( function_exists( 'add_settings_error' ) ) { // only loaded in the dashboard
			add_settings_error(
				'leadgen_address',
				'leadgen_address_invalid',
				__( 'Enter the leadgen address as a web address starting with https://.', 'leadgen' )
			);
		}
		return leadgen_address();
	}
	return $address;
}

/**
 * The address setting, registered everywhere so that every way of saving it is sanitized.
 */
function leadgen_register_setting() {
	register_setting(
		'leadgen',
		'leadgen_address',
		array(
			'type'              => 'string',
			'sanitize_callback' => 'leadgen_sanitize_address',
			'default'           => LEADGEN_DEFAULT_ADDRESS,
			'show_in_rest'      => false,
		)
	);
}
add_action( 'init', 'leadgen_register_setting' );

/**
 * Settings > Leadgen: the address field, through the Settings API.
 */
function leadgen_register_settings() {
	add_settings_section( 'leadgen_main', '', '__return_false', 'leadgen' );
	add_settings_field(
		'leadgen_address',
		__( 'Leadgen address', 'leadgen' ),
		'leadgen_address_field',
		'leadgen',
		'leadgen_main',
		array( 'label_for' => 'leadgen_address' )
	);
}
add_action( 'admin_init', 'leadgen_register_settings' );

/**
 * The address field.
 */
function leadgen_address_field() {
	printf(
		'<input type="url" id="leadgen_address" name="leadgen_address" value="%1$s" class="regular-text code" required><p class="description">%2$s</p>',
		esc_attr( leadgen_address() ),
		esc_html__( 'Where the forms come from. Leave it as it is unless the practice tells you otherwise.', 'leadgen' )
	);
}

/**
 * Add the settings page to the Settings menu.
 */
function leadgen_add_settings_page() {
	add_options_page(
		__( 'Leadgen forms', 'leadgen' ),
		__( 'Leadgen', 'leadgen' ),
		'manage_options',
		'leadgen',
		'leadgen_render_settings_page'
	);
}
add_action( 'admin_menu', 'leadgen_add_settings_page' );

/**
 * The settings page.
 */
function leadgen_render_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	?>
	<div class="wrap">
		<h1><?php echo esc_html( get_admin_page_title() ); ?></h1>
		<p>
			<?php
			printf(
				/* translators: 1: the e-book shortcode, 2: the advice shortcode. */
				esc_html__( 'Put %1$s or %2$s in a post or page, or in a Shortcode block.', 'leadgen' ),
				'<code>[leadgen form="ebook"]</code>',
				'<code>[leadgen form="advies"]</code>'
			);
			?>
		</p>
		<form action="options.php" method="post">
			<?php
			settings_fields( 'leadgen' );
			do_settings_sections( 'leadgen' );
			submit_button();
			?>
		</form>
	</div>
	<?php
}

/**
 * A "Settings" link beside the plugin on the Plugins screen.
 *
 * @param string[] $links The plugin's action links.
 * @return string[]
 */
function leadgen_action_links( $links ) {
	$settings = sprintf(
		'<a href="%1$s">%2$s</a>',
		esc_url( admin_url( 'options-general.php?page=leadgen' ) ),
		esc_html__( 'Settings', 'leadgen' )
	);
	array_unshift( $links, $settings );
	return $links;
}
add_filter( 'plugin_action_links_' . plugin_basename( __FILE__ ), 'leadgen_action_links' );
