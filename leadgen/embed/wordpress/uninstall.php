<?php
/**
 * Removes what the plugin stored when it is deleted from the Plugins screen.
 *
 * @package Leadgen
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

delete_option( 'leadgen_address' );
